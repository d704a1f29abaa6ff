//! Nationality and issuing-state codes of MRZs (ISO 3166-1 alpha-3 and the
//! ICAO specials) as country names in Romanian, English and Hungarian.
//!
//! The table covers the EU and EEA, Romania's neighbours and the countries
//! whose citizens most often live in Romania; any other code is shown as the
//! code itself, which is still what the document says.

use crate::i18n::Lang;

/// (code, ro, en, hu)
const COUNTRIES: &[(&str, &str, &str, &str)] = &[
    ("ROU", "România", "Romania", "Románia"),
    ("MDA", "Republica Moldova", "Moldova", "Moldova"),
    ("HUN", "Ungaria", "Hungary", "Magyarország"),
    ("BGR", "Bulgaria", "Bulgaria", "Bulgária"),
    ("SRB", "Serbia", "Serbia", "Szerbia"),
    ("UKR", "Ucraina", "Ukraine", "Ukrajna"),
    ("AUT", "Austria", "Austria", "Ausztria"),
    ("BEL", "Belgia", "Belgium", "Belgium"),
    ("HRV", "Croația", "Croatia", "Horvátország"),
    ("CYP", "Cipru", "Cyprus", "Ciprus"),
    ("CZE", "Cehia", "Czechia", "Csehország"),
    ("DNK", "Danemarca", "Denmark", "Dánia"),
    ("EST", "Estonia", "Estonia", "Észtország"),
    ("FIN", "Finlanda", "Finland", "Finnország"),
    ("FRA", "Franța", "France", "Franciaország"),
    ("D", "Germania", "Germany", "Németország"),
    ("DEU", "Germania", "Germany", "Németország"),
    ("GRC", "Grecia", "Greece", "Görögország"),
    ("IRL", "Irlanda", "Ireland", "Írország"),
    ("ITA", "Italia", "Italy", "Olaszország"),
    ("LVA", "Letonia", "Latvia", "Lettország"),
    ("LTU", "Lituania", "Lithuania", "Litvánia"),
    ("LUX", "Luxemburg", "Luxembourg", "Luxemburg"),
    ("MLT", "Malta", "Malta", "Málta"),
    ("NLD", "Țările de Jos", "Netherlands", "Hollandia"),
    ("POL", "Polonia", "Poland", "Lengyelország"),
    ("PRT", "Portugalia", "Portugal", "Portugália"),
    ("SVK", "Slovacia", "Slovakia", "Szlovákia"),
    ("SVN", "Slovenia", "Slovenia", "Szlovénia"),
    ("ESP", "Spania", "Spain", "Spanyolország"),
    ("SWE", "Suedia", "Sweden", "Svédország"),
    ("ISL", "Islanda", "Iceland", "Izland"),
    ("LIE", "Liechtenstein", "Liechtenstein", "Liechtenstein"),
    ("NOR", "Norvegia", "Norway", "Norvégia"),
    ("CHE", "Elveția", "Switzerland", "Svájc"),
    ("GBR", "Regatul Unit", "United Kingdom", "Egyesült Királyság"),
    (
        "GBD",
        "Regatul Unit (teritoriu de peste mări)",
        "United Kingdom (overseas territory)",
        "Egyesült Királyság (tengerentúli terület)",
    ),
    ("MKD", "Macedonia de Nord", "North Macedonia", "Észak-Macedónia"),
    ("MNE", "Muntenegru", "Montenegro", "Montenegró"),
    ("ALB", "Albania", "Albania", "Albánia"),
    ("BIH", "Bosnia și Herțegovina", "Bosnia and Herzegovina", "Bosznia-Hercegovina"),
    ("TUR", "Turcia", "Türkiye", "Törökország"),
    ("RUS", "Rusia", "Russia", "Oroszország"),
    ("BLR", "Belarus", "Belarus", "Fehéroroszország"),
    ("GEO", "Georgia", "Georgia", "Grúzia"),
    ("ISR", "Israel", "Israel", "Izrael"),
    ("SYR", "Siria", "Syria", "Szíria"),
    ("CHN", "China", "China", "Kína"),
    ("IND", "India", "India", "India"),
    ("NPL", "Nepal", "Nepal", "Nepál"),
    ("LKA", "Sri Lanka", "Sri Lanka", "Srí Lanka"),
    ("BGD", "Bangladesh", "Bangladesh", "Banglades"),
    ("PAK", "Pakistan", "Pakistan", "Pakisztán"),
    ("PHL", "Filipine", "Philippines", "Fülöp-szigetek"),
    ("VNM", "Vietnam", "Viet Nam", "Vietnám"),
    ("USA", "Statele Unite ale Americii", "United States", "Amerikai Egyesült Államok"),
    ("CAN", "Canada", "Canada", "Kanada"),
    ("XXA", "apatrid", "stateless person", "hontalan személy"),
    ("XXB", "refugiat", "refugee", "menekült"),
    ("XXC", "refugiat (alt statut)", "refugee (other)", "menekült (egyéb)"),
    ("XXX", "cetățenie nespecificată", "unspecified nationality", "meghatározatlan állampolgárság"),
    ("EUE", "Uniunea Europeană", "European Union", "Európai Unió"),
    ("UNO", "Organizația Națiunilor Unite", "United Nations", "Egyesült Nemzetek"),
    ("UTO", "Utopia (specimen ICAO)", "Utopia (ICAO specimen)", "Utópia (ICAO-minta)"),
];

/// The country's name for an MRZ code, in `lang`; the code itself when unknown.
pub fn country_name(code: &str, lang: Lang) -> String {
    let code = code.trim_end_matches('<');
    match COUNTRIES.iter().find(|c| c.0 == code) {
        Some((_, ro, en, hu)) => match lang {
            Lang::Ro => ro,
            Lang::En => en,
            Lang::Hu => hu,
        }
        .to_string(),
        None => code.to_owned(),
    }
}

/// Whether `code` (fillers trimmed) is one of the codes above.
pub fn is_known(code: &str) -> bool {
    let code = code.trim_end_matches('<');
    COUNTRIES.iter().any(|c| c.0 == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_names_in_each_language() {
        assert_eq!(country_name("ROU", Lang::Ro), "România");
        assert_eq!(country_name("D<<", Lang::Hu), "Németország");
        assert_eq!(country_name("MDA", Lang::En), "Moldova");
        assert_eq!(country_name("ZZZ", Lang::Ro), "ZZZ");
    }

    #[test]
    fn every_code_is_listed_once() {
        let mut codes: Vec<_> = COUNTRIES.iter().map(|c| c.0).collect();
        codes.sort();
        let n = codes.len();
        codes.dedup();
        assert_eq!(codes.len(), n);
    }
}
