//! The panel's hardware, as one board file (`board/*.toml`) describes it: the
//! display (size, rotation, scale, how it is driven) and the few GPIO lines a
//! kiosk uses (a presence sensor that wakes the screen, a status LED, a relay
//! that powers the receipt printer).
//!
//! GPIO is a small trait, [`BoardIo`], with a real driver over `rppal`
//! (Raspberry Pi 4 and 5), a simulated one and an absent one, chosen by the
//! board file's `gpio.driver`, never by `cfg`: the QEMU image runs the
//! simulated driver through the same code as a Pi. On a machine that is not a
//! Raspberry Pi the real driver returns [`GpioError::NotRaspberryPi`] instead of
//! crashing, so a wrong board file is a clear start-up message.

use serde::Deserialize;
use std::sync::{Arc, Mutex};

/// Description of the panel hardware, one file per supported board.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Board {
    pub name: String,
    pub display: Display,
    #[serde(default)]
    pub gpio: GpioConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Display {
    pub width: u32,
    pub height: u32,
    /// Degrees clockwise: 0, 90, 180 or 270.
    #[serde(default)]
    pub rotation: u32,
    /// The UI is laid out for 1280x800; smaller panels scale it down.
    #[serde(default)]
    pub scale_factor: Option<f32>,
    #[serde(default)]
    pub output: Output,
    /// The backlight to power off while the screen sleeps: a sysfs folder
    /// (`/sys/class/backlight/NAME`), `"auto"` (the first one there), or
    /// absent (the sleeping screen is only drawn black).
    #[serde(default)]
    pub backlight: Option<String>,
}

/// How the kiosk reaches the screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Output {
    /// A window on a desktop (X11), for the demo and development.
    #[default]
    Window,
    /// Straight to the display through DRM/KMS (Slint's linuxkms backend,
    /// software renderer) and touch through libinput: a panel with no desktop.
    Kms,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpioConfig {
    #[serde(default)]
    pub driver: GpioDriver,
    /// BCM number of the presence sensor's input (high: someone is there).
    #[serde(default)]
    pub presence_sensor: Option<u8>,
    /// BCM number of the status LED's output (high: lit).
    #[serde(default)]
    pub status_led: Option<u8>,
    /// BCM number of the printer power relay's output.
    #[serde(default)]
    pub printer_relay: Option<u8>,
    /// Most relay boards switch on a low input.
    #[serde(default)]
    pub relay_active_low: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GpioDriver {
    /// No GPIO header (an x86 mini-PC, a desktop).
    #[default]
    None,
    /// Remembers what was set; the presence sensor reads what a test injected.
    Simulated,
    /// Raspberry Pi GPIO through `rppal`.
    Rppal,
}

const VALID_ROTATIONS: [u32; 4] = [0, 90, 180, 270];

impl Board {
    /// Checks what serde cannot: rotation, scale, pins.
    pub fn validate(&self) -> Result<(), String> {
        if !VALID_ROTATIONS.contains(&self.display.rotation) {
            return Err(format!("display.rotation is {}; use 0, 90, 180 or 270", self.display.rotation));
        }
        if self.display.width == 0 || self.display.height == 0 {
            return Err("display.width and display.height must be above zero".into());
        }
        if let Some(s) = self.display.scale_factor {
            if !(0.25..=4.0).contains(&s) {
                return Err(format!("display.scale_factor is {s}; use a value between 0.25 and 4"));
            }
        }
        let g = &self.gpio;
        let pins: Vec<u8> = [g.presence_sensor, g.status_led, g.printer_relay].into_iter().flatten().collect();
        if let Some(p) = pins.iter().find(|p| **p > 27) {
            return Err(format!("gpio pin {p} is not a header GPIO (BCM 0–27)"));
        }
        if (1..pins.len()).any(|i| pins[i..].contains(&pins[i - 1])) {
            return Err("gpio: the presence sensor, status LED and printer relay need different pins".into());
        }
        Ok(())
    }

    /// Chooses Slint's platform for this board's display. Call before any
    /// thread is started (it sets Slint's environment variables for
    /// rotation and scale) and before any window exists.
    pub fn select_platform(&self) -> Result<(), slint::PlatformError> {
        if let Some(s) = self.display.scale_factor {
            std::env::set_var("SLINT_SCALE_FACTOR", s.to_string());
        }
        match self.display.output {
            Output::Window => slint::BackendSelector::new().renderer_name("software".into()).select(),
            Output::Kms => {
                if self.display.rotation != 0 {
                    std::env::set_var("SLINT_KMS_ROTATION", self.display.rotation.to_string());
                }
                // A keyboard at the panel: Slint would quit on Ctrl+Alt+Del (keyguard.rs).
                let guard = crate::keyguard::ChordGuard::default();
                slint::BackendSelector::new()
                    .backend_name("linuxkms".into())
                    .renderer_name("software".into())
                    .with_libinput_event_hook(move |event| {
                        use input::event::keyboard::{KeyState, KeyboardEvent, KeyboardEventTrait};
                        match event {
                            input::Event::Keyboard(KeyboardEvent::Key(k)) => {
                                guard.swallow(k.key(), k.key_state() == KeyState::Pressed)
                            }
                            _ => false,
                        }
                    })
                    .select()
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GpioError {
    #[error(
        "this machine is not a Raspberry Pi ({0}); the board file asks for GPIO through rppal. \
         Choose the board file for this machine (e.g. board/x86-minipc.toml) or set gpio.driver = \"simulated\""
    )]
    NotRaspberryPi(String),
    #[error("GPIO {pin}: {message}")]
    Pin { pin: u8, message: String },
    #[error("GPIO: {0}")]
    Other(String),
}

/// The board's GPIO lines. Each call is short (no waiting); a line the board
/// file does not name is `None` on reads and a no-op on writes.
pub trait BoardIo: Send + Sync {
    /// Whether someone stands at the panel; `None` without a sensor.
    fn presence(&self) -> Result<Option<bool>, GpioError>;
    fn set_status_led(&self, on: bool) -> Result<(), GpioError>;
    fn set_printer_power(&self, on: bool) -> Result<(), GpioError>;
    /// What the lines are, for the self-test: e.g. "LED on BCM 27, relay on BCM 22".
    fn describe(&self) -> String;
    /// Which output lines the board file names: (status LED, printer relay),
    /// so the self-test says only what it really did.
    fn outputs(&self) -> (bool, bool) {
        (true, true)
    }
}

/// Opens the GPIO driver the board file names.
pub fn open_io(cfg: &GpioConfig) -> Result<Arc<dyn BoardIo>, GpioError> {
    Ok(match cfg.driver {
        GpioDriver::None => Arc::new(NoIo),
        GpioDriver::Simulated => Arc::new(SimulatedIo::new(cfg.clone())),
        GpioDriver::Rppal => Arc::new(RppalIo::open(cfg)?),
    })
}

/// A board with no GPIO.
pub struct NoIo;

impl BoardIo for NoIo {
    fn presence(&self) -> Result<Option<bool>, GpioError> {
        Ok(None)
    }
    fn set_status_led(&self, _: bool) -> Result<(), GpioError> {
        Ok(())
    }
    fn set_printer_power(&self, _: bool) -> Result<(), GpioError> {
        Ok(())
    }
    fn describe(&self) -> String {
        "no GPIO on this board".into()
    }
    fn outputs(&self) -> (bool, bool) {
        (false, false)
    }
}

/// A board whose GPIO could not be opened: every call says why, so the
/// self-test reports it and the rest of the kiosk goes on.
pub struct Unavailable(pub String);

impl BoardIo for Unavailable {
    fn presence(&self) -> Result<Option<bool>, GpioError> {
        Err(GpioError::Other(self.0.clone()))
    }
    fn set_status_led(&self, _: bool) -> Result<(), GpioError> {
        Err(GpioError::Other(self.0.clone()))
    }
    fn set_printer_power(&self, _: bool) -> Result<(), GpioError> {
        Err(GpioError::Other(self.0.clone()))
    }
    fn describe(&self) -> String {
        format!("GPIO unavailable: {}", self.0)
    }
}

/// What the simulated lines hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimulatedLines {
    pub presence: bool,
    pub status_led: bool,
    pub printer_power: bool,
    /// Every write, in order, as (line, level): tests check toggles with it.
    pub writes: Vec<(&'static str, bool)>,
}

/// GPIO in memory: the QEMU image, the demo and tests.
pub struct SimulatedIo {
    cfg: GpioConfig,
    lines: Mutex<SimulatedLines>,
}

impl SimulatedIo {
    pub fn new(cfg: GpioConfig) -> SimulatedIo {
        SimulatedIo { cfg, lines: Mutex::default() }
    }
    pub fn set_presence(&self, present: bool) {
        self.lock().presence = present;
    }
    pub fn lines(&self) -> SimulatedLines {
        self.lock().clone()
    }
    fn lock(&self) -> std::sync::MutexGuard<'_, SimulatedLines> {
        self.lines.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl BoardIo for SimulatedIo {
    fn presence(&self) -> Result<Option<bool>, GpioError> {
        Ok(Some(self.lock().presence))
    }
    fn set_status_led(&self, on: bool) -> Result<(), GpioError> {
        let mut l = self.lock();
        l.status_led = on;
        l.writes.push(("status_led", on));
        Ok(())
    }
    fn set_printer_power(&self, on: bool) -> Result<(), GpioError> {
        let mut l = self.lock();
        l.printer_power = on;
        l.writes.push(("printer_power", on));
        Ok(())
    }
    fn describe(&self) -> String {
        format!("simulated GPIO ({})", describe_pins(&self.cfg))
    }
    fn outputs(&self) -> (bool, bool) {
        (self.cfg.status_led.is_some(), self.cfg.printer_relay.is_some())
    }
}

fn describe_pins(cfg: &GpioConfig) -> String {
    let mut parts = vec![];
    for (what, pin) in [("presence", cfg.presence_sensor), ("LED", cfg.status_led), ("relay", cfg.printer_relay)] {
        if let Some(p) = pin {
            parts.push(format!("{what} on BCM {p}"));
        }
    }
    if parts.is_empty() {
        "no lines configured".into()
    } else {
        parts.join(", ")
    }
}

/// Raspberry Pi GPIO through `rppal` (Pi 4: `/dev/gpiomem`; Pi 5: the RP1 chip).
pub struct RppalIo {
    cfg: GpioConfig,
    presence: Option<rppal::gpio::InputPin>,
    led: Option<Mutex<rppal::gpio::OutputPin>>,
    relay: Option<Mutex<rppal::gpio::OutputPin>>,
}

fn rppal_error(pin: Option<u8>, e: rppal::gpio::Error) -> GpioError {
    match (&e, pin) {
        (rppal::gpio::Error::UnknownModel, _) => GpioError::NotRaspberryPi(not_a_pi_detail()),
        (_, Some(pin)) => GpioError::Pin { pin, message: e.to_string() },
        (_, None) => GpioError::Other(e.to_string()),
    }
}

/// What the machine says it is, for the "not a Raspberry Pi" message.
fn not_a_pi_detail() -> String {
    let model = std::fs::read_to_string("/proc/device-tree/model")
        .map(|m| m.trim_end_matches('\0').trim().to_owned())
        .ok()
        .filter(|m| !m.is_empty());
    match model {
        Some(m) => format!("device tree model: {m}"),
        None => format!("{} machine without a Raspberry Pi device tree", std::env::consts::ARCH),
    }
}

impl RppalIo {
    pub fn open(cfg: &GpioConfig) -> Result<RppalIo, GpioError> {
        let gpio = rppal::gpio::Gpio::new().map_err(|e| rppal_error(None, e))?;
        let get = |pin: u8| gpio.get(pin).map_err(|e| rppal_error(Some(pin), e));
        let presence = cfg.presence_sensor.map(|p| get(p).map(|p| p.into_input_pulldown())).transpose()?;
        let led = cfg.status_led.map(|p| get(p).map(|p| Mutex::new(p.into_output_low()))).transpose()?;
        let relay = cfg
            .printer_relay
            .map(|p| {
                get(p).map(|p| {
                    // Leave the printer off until the kiosk asks for it.
                    let mut out = p.into_output();
                    out.write(relay_level(false, cfg.relay_active_low));
                    Mutex::new(out)
                })
            })
            .transpose()?;
        Ok(RppalIo { cfg: cfg.clone(), presence, led, relay })
    }
}

fn relay_level(on: bool, active_low: bool) -> rppal::gpio::Level {
    if on != active_low {
        rppal::gpio::Level::High
    } else {
        rppal::gpio::Level::Low
    }
}

impl BoardIo for RppalIo {
    fn presence(&self) -> Result<Option<bool>, GpioError> {
        Ok(self.presence.as_ref().map(|p| p.is_high()))
    }
    fn set_status_led(&self, on: bool) -> Result<(), GpioError> {
        if let Some(led) = &self.led {
            led.lock().unwrap_or_else(|p| p.into_inner()).write(if on {
                rppal::gpio::Level::High
            } else {
                rppal::gpio::Level::Low
            });
        }
        Ok(())
    }
    fn set_printer_power(&self, on: bool) -> Result<(), GpioError> {
        if let Some(relay) = &self.relay {
            relay.lock().unwrap_or_else(|p| p.into_inner()).write(relay_level(on, self.cfg.relay_active_low));
        }
        Ok(())
    }
    fn describe(&self) -> String {
        format!("Raspberry Pi GPIO ({})", describe_pins(&self.cfg))
    }
    fn outputs(&self) -> (bool, bool) {
        (self.led.is_some(), self.relay.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(text: &str) -> Result<Board, String> {
        let b: Board = toml::from_str(text).map_err(|e| e.to_string())?;
        b.validate().map(|_| b)
    }

    #[test]
    fn every_shipped_board_file_parses_and_validates() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("board");
        let mut names = vec![];
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let b = board(&std::fs::read_to_string(&path).unwrap()).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            assert_eq!(Some(b.name.as_str()), path.file_stem().and_then(|s| s.to_str()), "name = file name");
            names.push(b.name);
        }
        names.sort();
        for expected in ["qemu", "rpi4-touch-10", "rpi4-touch-7", "rpi5-touch-10", "rpi5-touch-7", "x86-minipc"] {
            assert!(names.iter().any(|n| n == expected), "board/{expected}.toml missing: {names:?}");
        }
    }

    #[test]
    fn a_bad_rotation_or_shared_pin_is_explained() {
        let e = board("name = \"x\"\n[display]\nwidth = 800\nheight = 480\nrotation = 45\n").unwrap_err();
        assert!(e.contains("rotation") && e.contains("90"), "{e}");
        let e = board(
            "name = \"x\"\n[display]\nwidth = 800\nheight = 480\n[gpio]\ndriver = \"rppal\"\nstatus_led = 5\nprinter_relay = 5\n",
        )
        .unwrap_err();
        assert!(e.contains("different pins"), "{e}");
        let e = board("name = \"x\"\n[display]\nwidth = 800\nheight = 480\n[gpio]\ndriver = \"gpiod\"\n").unwrap_err();
        assert!(e.contains("gpiod"), "{e}");
    }

    #[test]
    fn the_simulated_driver_records_toggles_and_reads_injected_presence() {
        let cfg = GpioConfig { driver: GpioDriver::Simulated, status_led: Some(27), ..Default::default() };
        let sim = SimulatedIo::new(cfg);
        assert_eq!(sim.presence().unwrap(), Some(false));
        sim.set_presence(true);
        assert_eq!(sim.presence().unwrap(), Some(true));
        sim.set_status_led(true).unwrap();
        sim.set_status_led(false).unwrap();
        sim.set_printer_power(true).unwrap();
        let l = sim.lines();
        assert_eq!(l.writes, vec![("status_led", true), ("status_led", false), ("printer_power", true)]);
        assert!(l.printer_power && !l.status_led);
        assert!(sim.describe().contains("LED on BCM 27"));
    }

    #[test]
    fn relay_levels_follow_active_low() {
        use rppal::gpio::Level;
        assert_eq!(relay_level(true, true), Level::Low);
        assert_eq!(relay_level(false, true), Level::High);
        assert_eq!(relay_level(true, false), Level::High);
    }

    /// Runs only where the machine is not a Raspberry Pi (CI, developers' PCs):
    /// the real driver must say so instead of crashing.
    #[test]
    fn the_rppal_driver_on_a_machine_that_is_not_a_pi_says_so() {
        let model = std::fs::read_to_string("/proc/device-tree/model").unwrap_or_default();
        if model.contains("Raspberry Pi") {
            eprintln!("skipped: this is a Raspberry Pi ({model})");
            return;
        }
        let cfg = GpioConfig { driver: GpioDriver::Rppal, status_led: Some(27), ..Default::default() };
        let err = open_io(&cfg).err().expect("rppal must refuse a machine that is not a Pi");
        let text = err.to_string();
        assert!(matches!(err, GpioError::NotRaspberryPi(_)), "{text}");
        assert!(text.contains("not a Raspberry Pi") && text.contains("gpio.driver"), "{text}");
    }
}
