//! The types Slint generates from `ui/app.slint`: the window, each page's
//! adapter global and the shared structs.

slint::include_modules!();
