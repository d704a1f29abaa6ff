//! Romania's 41 counties and the capital, as the `county` field offers them:
//! the two-letter code (as on number plates and in addresses) and the name.

/// `(code, name)`, in alphabetical order of the name, București last.
pub const COUNTIES: [(&str, &str); 42] = [
    ("AB", "Alba"),
    ("AR", "Arad"),
    ("AG", "Argeș"),
    ("BC", "Bacău"),
    ("BH", "Bihor"),
    ("BN", "Bistrița-Năsăud"),
    ("BT", "Botoșani"),
    ("BR", "Brăila"),
    ("BV", "Brașov"),
    ("BZ", "Buzău"),
    ("CL", "Călărași"),
    ("CS", "Caraș-Severin"),
    ("CJ", "Cluj"),
    ("CT", "Constanța"),
    ("CV", "Covasna"),
    ("DB", "Dâmbovița"),
    ("DJ", "Dolj"),
    ("GL", "Galați"),
    ("GR", "Giurgiu"),
    ("GJ", "Gorj"),
    ("HR", "Harghita"),
    ("HD", "Hunedoara"),
    ("IL", "Ialomița"),
    ("IS", "Iași"),
    ("IF", "Ilfov"),
    ("MM", "Maramureș"),
    ("MH", "Mehedinți"),
    ("MS", "Mureș"),
    ("NT", "Neamț"),
    ("OT", "Olt"),
    ("PH", "Prahova"),
    ("SJ", "Sălaj"),
    ("SM", "Satu Mare"),
    ("SB", "Sibiu"),
    ("SV", "Suceava"),
    ("TR", "Teleorman"),
    ("TM", "Timiș"),
    ("TL", "Tulcea"),
    ("VL", "Vâlcea"),
    ("VS", "Vaslui"),
    ("VN", "Vrancea"),
    ("B", "București"),
];

/// The name of the county with this code.
pub fn name(code: &str) -> Option<&'static str> {
    COUNTIES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forty_one_counties_and_the_capital_each_once() {
        let codes: std::collections::HashSet<_> = COUNTIES.iter().map(|(c, _)| c).collect();
        let names: std::collections::HashSet<_> = COUNTIES.iter().map(|(_, n)| n).collect();
        assert_eq!((codes.len(), names.len()), (42, 42));
        assert_eq!(name("CJ"), Some("Cluj"));
        assert_eq!(name("B"), Some("București"));
        assert_eq!(name("XX"), None);
        // Comma-below letters, never the cedilla look-alikes.
        assert!(COUNTIES.iter().all(|(_, n)| !n.contains(['ş', 'ţ', 'Ş', 'Ţ'])));
    }
}
