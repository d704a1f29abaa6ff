//! The appliance's systemd files, checked with systemd's own tools: every unit
//! passes `systemd-analyze verify` with no warning, every service (the root
//! ones that update and roll back included) stays within its
//! `systemd-analyze security --offline=yes` exposure budget, the sysusers and tmpfiles entries apply to an empty root,
//! and every `ghiseu` command line in a unit is one the binary accepts.
//!
//! Needs systemd's tools (`scripts/setup --test` installs them); they work on
//! files, so no running systemd is needed.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const UNITS: [&str; 7] = [
    "ghiseu.service",
    "ghiseu-intake.service",
    "ghiseu-provision.service",
    "ghiseu-health.service",
    "ghiseu-rollback.service",
    "ghiseu-usb-update.service",
    "ghiseu-fleet.service",
];

/// Each unit's exposure budget, in tenths (systemd-analyze's `--threshold`
/// unit). The two root units run rauc and reboot; they keep only CAP_SYS_BOOT.
/// The fleet client, unprivileged, asks RAUC's service and logind instead.
const BUDGETS: [(&str, u32); 7] = [
    ("ghiseu.service", 20),
    ("ghiseu-intake.service", 15),
    ("ghiseu-provision.service", 20),
    ("ghiseu-health.service", 20),
    ("ghiseu-rollback.service", 12),
    ("ghiseu-usb-update.service", 12),
    // Unprivileged on the network; asks RAUC and logind (1.8 when it ran as root).
    ("ghiseu-fleet.service", 17),
];

/// Every unit file in systemd/ is in UNITS and BUDGETS: a new unit (or one
/// left out, as ghiseu-usb-update.service once was) fails here.
#[test]
fn every_unit_in_the_repository_is_checked_and_has_a_budget() {
    let mut found: Vec<String> = std::fs::read_dir(repo().join("systemd"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".service") || n.ends_with(".timer") || n.ends_with(".socket") || n.ends_with(".path"))
        .collect();
    found.sort();
    let mut listed: Vec<String> = UNITS.iter().map(|u| u.to_string()).collect();
    listed.sort();
    assert_eq!(found, listed, "tests/units.rs UNITS must list every unit in systemd/");
    let mut budgeted: Vec<String> = BUDGETS.iter().map(|(u, _)| u.to_string()).collect();
    budgeted.sort();
    assert_eq!(found, budgeted, "tests/units.rs BUDGETS must give every unit in systemd/ a budget");
}

fn tool(name: &str) -> PathBuf {
    for dir in ["/usr/bin", "/bin", "/usr/sbin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("{name} is missing: run scripts/setup --test (it installs systemd's tools)");
}

/// A root with the distribution's units, stand-ins for the programs the units
/// run, and ours, as the image installs them.
fn unit_root() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let bin = root.path().join("usr/bin");
    std::fs::create_dir_all(&bin).unwrap();
    let lib = root.path().join("usr/lib/ghiseu");
    std::fs::create_dir_all(&lib).unwrap();
    for prog in
        [bin.join("ghiseu"), bin.join("rauc"), bin.join("systemctl"), lib.join("usb-update"), lib.join("rollback")]
    {
        std::fs::write(&prog, "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&prog, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::create_dir_all(root.path().join("usr/lib/systemd")).unwrap();
    let status = Command::new("cp")
        .args(["-a", "/usr/lib/systemd/system"])
        .arg(root.path().join("usr/lib/systemd/"))
        .status()
        .unwrap();
    assert!(status.success(), "copying the distribution's units");
    let ours = root.path().join("usr/lib/systemd/system");
    for u in UNITS {
        std::fs::copy(repo().join("systemd").join(u), ours.join(u)).unwrap();
    }
    root
}

#[test]
fn every_unit_passes_systemd_analyze_verify_without_a_warning() {
    let root = unit_root();
    let dir = root.path().join("usr/lib/systemd/system");
    let out = Command::new(tool("systemd-analyze"))
        .arg("verify")
        .arg(format!("--root={}", root.path().display()))
        .args(UNITS.iter().map(|u| dir.join(u)))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.trim().is_empty(), "systemd-analyze verify:\n{stderr}");
}

/// The overall exposure `systemd-analyze security` prints, e.g. 1.5.
fn exposure(unit: &str, threshold_tenths: u32) -> (f64, bool, String) {
    let out = Command::new(tool("systemd-analyze"))
        .args(["security", "--offline=yes", "--no-pager"])
        .arg(format!("--threshold={threshold_tenths}"))
        .arg(repo().join("systemd").join(unit))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = text.lines().find(|l| l.contains("Overall exposure level")).unwrap_or_else(|| panic!("{text}"));
    let score: f64 = line.split(':').nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap();
    (score, out.status.success(), text)
}

#[test]
fn the_services_stay_within_their_security_exposure_budgets() {
    let mut over = vec![];
    for (unit, budget) in BUDGETS {
        let (score, within, text) = exposure(unit, budget);
        eprintln!("{unit}: exposure {score}");
        if !(within && score * 10.0 <= budget as f64 + 0.01) {
            over.push(format!("{unit}: {score} > {}\n{text}", budget as f64 / 10.0));
        }
    }
    assert!(over.is_empty(), "{}", over.join("\n"));
}

/// The root units are confined, yet keep what they do: they reach RAUC,
/// logind and systemd over UNIX sockets, may reboot, and the USB update may
/// record the installed version on the data partition.
#[test]
fn the_root_units_keep_what_they_need_and_nothing_more() {
    for unit in ["ghiseu-rollback.service", "ghiseu-usb-update.service"] {
        let text = std::fs::read_to_string(repo().join("systemd").join(unit)).unwrap();
        let set = |key: &str| text.lines().filter_map(|l| l.strip_prefix(&format!("{key}="))).collect::<Vec<_>>();
        assert_eq!(set("CapabilityBoundingSet"), ["CAP_SYS_BOOT"], "{unit}: logind reboots only for CAP_SYS_BOOT");
        assert_eq!(set("RestrictAddressFamilies"), ["AF_UNIX"], "{unit}: D-Bus and systemd's socket");
        assert_eq!(set("ProtectSystem"), ["strict"], "{unit}");
        assert!(set("ProcSubset").is_empty(), "{unit}: rauc reads /proc/cmdline (the booted slot)");
        assert!(set("User").is_empty(), "{unit}: RAUC's and logind's D-Bus calls are made as root");
    }
    let usb = std::fs::read_to_string(repo().join("systemd/ghiseu-usb-update.service")).unwrap();
    let script = std::fs::read_to_string(repo().join("systemd/ghiseu-usb-update")).unwrap();
    assert!(script.contains("installed=/data/rauc/"), "the script records the version under /data/rauc");
    assert!(usb.lines().any(|l| l == "ReadWritePaths=/data/rauc"), "usb-update records the installed version");
    let rules = std::fs::read_to_string(repo().join("systemd/70-ghiseu.rules")).unwrap();
    assert!(rules.contains("/run/ghiseu-usb"), "udev mounts the stick where the unit looks");
    assert!(usb.contains("ExecStart=/usr/lib/ghiseu/usb-update /run/ghiseu-usb"));
    // They stay root because RAUC's service answers only root on a panel
    // (rauc-service alone would answer anyone, the kiosk's user included).
    let policy = std::fs::read_to_string(repo().join("image-build/rootfs-overlay/ghiseu-rauc-root-only.conf")).unwrap();
    assert!(policy.contains(
        r#"<policy context="default">
    <deny send_destination="de.pengutronix.rauc"/>"#
    ));
    assert!(policy.contains(
        r#"<policy user="root">
    <allow send_destination="de.pengutronix.rauc"/>"#
    ));
    let build = std::fs::read_to_string(repo().join("image-build/build")).unwrap();
    assert!(build.contains(r#""$stage/etc/dbus-1/system.d/ghiseu-rauc.conf""#), "the image build installs the policy");
}

/// The fleet client runs as its own unprivileged user: it asks RAUC's
/// service to install (a D-Bus policy lets that user call everything of
/// RAUC but Mark) and logind to reboot (a polkit rule grants that user the
/// reboot alone); it keeps only CAP_DAC_READ_SEARCH (the kiosk's
/// configuration and health report), never sees the kiosk's key or queue,
/// and writes only its own folder (token, downloads, state), which is its
/// user's. Only the token hand-over runs as root.
#[test]
fn the_fleet_unit_is_unprivileged_and_asks_rauc_and_logind() {
    let text = std::fs::read_to_string(repo().join("systemd/ghiseu-fleet.service")).unwrap();
    let set = |key: &str| text.lines().filter_map(|l| l.strip_prefix(&format!("{key}="))).collect::<Vec<_>>();
    assert_eq!((set("User"), set("Group")), (vec!["ghiseu-fleet"], vec!["ghiseu-fleet"]));
    assert_eq!(set("CapabilityBoundingSet"), ["CAP_DAC_READ_SEARCH"]);
    assert_eq!(set("AmbientCapabilities"), ["CAP_DAC_READ_SEARCH"]);
    assert_eq!(set("RestrictAddressFamilies"), ["AF_UNIX AF_INET AF_INET6"]);
    assert_eq!(set("ReadWritePaths"), ["/data/ghiseu-fleet"]);
    assert_eq!(set("ProtectSystem"), ["strict"]);
    assert_eq!(set("NoNewPrivileges"), ["yes"]);
    let hidden = set("InaccessiblePaths").join(" ");
    for p in ["/var/lib/ghiseu/kiosk.pem", "/data/ghiseu/kiosk.pem", "/var/lib/ghiseu/queue.sqlite"] {
        assert!(hidden.split(' ').any(|h| h.trim_start_matches('-') == p), "{p} not inaccessible: {hidden}");
    }
    // The kiosk's process must stay visible: its health report is believed only while it runs.
    assert!(!set("ProtectProc").iter().any(|v| *v == "invisible" || *v == "noaccess"), "{:?}", set("ProtectProc"));
    // Root only for the token hand-over, which the binary accepts (every_ghiseu_command… checks the arguments).
    let root: Vec<_> = text.lines().filter(|l| l.starts_with("Exec") && l.contains("=+")).collect();
    assert_eq!(root, ["ExecStartPre=+/usr/bin/ghiseu fleet --config /var/lib/ghiseu/kiosk.toml --take-token"]);
    let tmpfiles = std::fs::read_to_string(repo().join("systemd/ghiseu.tmpfiles")).unwrap();
    assert!(tmpfiles.lines().any(|l| l == "d /data/ghiseu-fleet 0700 ghiseu-fleet ghiseu-fleet -"), "{tmpfiles}");
    let sysusers = std::fs::read_to_string(repo().join("systemd/ghiseu.sysusers")).unwrap();
    assert!(sysusers.lines().any(|l| l.starts_with("u ghiseu-fleet ")), "{sysusers}");

    // RAUC: the fleet user may call RAUC, but not Mark; everyone else (the
    // kiosk's user) nothing. Checked as dbus-daemon reads it: later rules of
    // the user's policy override the earlier allow.
    let policy = std::fs::read_to_string(repo().join("image-build/rootfs-overlay/ghiseu-rauc-root-only.conf")).unwrap();
    let fleet = policy.split(r#"<policy user="ghiseu-fleet">"#).nth(1).expect("a policy for ghiseu-fleet");
    let fleet = fleet.split("</policy>").next().unwrap();
    let allow = fleet.find(r#"<allow send_destination="de.pengutronix.rauc"/>"#).expect("allow RAUC");
    let deny = fleet
        .find(r#"<deny send_destination="de.pengutronix.rauc" send_interface="de.pengutronix.rauc.Installer" send_member="Mark"/>"#)
        .expect("deny Mark");
    assert!(allow < deny, "the deny must follow the allow to win");
    // polkit: the reboot for that user, nothing else.
    let rule = std::fs::read_to_string(repo().join("image-build/rootfs-overlay/50-ghiseu-fleet.rules")).unwrap();
    let actions: Vec<&str> = rule.split('"').filter(|w| w.starts_with("org.")).collect();
    assert_eq!(actions, ["org.freedesktop.login1.reboot", "org.freedesktop.login1.reboot-multiple-sessions"]);
    assert!(rule.contains(r#"subject.user == "ghiseu-fleet""#) && rule.contains("polkit.Result.YES"));
    let build = std::fs::read_to_string(repo().join("image-build/build")).unwrap();
    assert!(
        build.contains(r#""$stage/usr/share/polkit-1/rules.d/50-ghiseu-fleet.rules""#),
        "the build installs the rule"
    );
    for list in ["image-build/packages-amd64.txt", "image-build/packages-arm64.txt"] {
        let l = std::fs::read_to_string(repo().join(list)).unwrap();
        assert!(l.lines().any(|p| p == "polkitd"), "{list}: polkitd reads the rule");
    }
}

#[test]
fn sysusers_and_tmpfiles_entries_apply_to_an_empty_root() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    let out = Command::new(tool("systemd-sysusers"))
        .arg(format!("--root={}", root.path().display()))
        .arg(repo().join("systemd/ghiseu.sysusers"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let passwd = std::fs::read_to_string(root.path().join("etc/passwd")).unwrap();
    let group = std::fs::read_to_string(root.path().join("etc/group")).unwrap();
    let user = passwd.lines().find(|l| l.starts_with("ghiseu:")).unwrap_or_else(|| panic!("{passwd}"));
    let uid: u32 = user.split(':').nth(2).unwrap().parse().unwrap();
    assert!(uid < 1000, "a system user: {user}");
    assert!(user.ends_with(":/var/lib/ghiseu:/usr/sbin/nologin") || user.contains("nologin"), "{user}");
    assert!(group.lines().any(|l| l.starts_with("gpio:")), "{group}");

    let out = Command::new(tool("systemd-tmpfiles"))
        .arg(format!("--root={}", root.path().display()))
        .arg("--create")
        .arg(repo().join("systemd/ghiseu.tmpfiles"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let data = std::fs::metadata(root.path().join("data/ghiseu")).unwrap();
    assert_eq!(data.permissions().mode() & 0o777, 0o700);
    assert_eq!(data.uid(), uid, "the kiosk's data belongs to its user");
    assert!(root.path().join("data/rauc").is_dir());
}

/// `Exec…=` lines of our units that run `ghiseu`, split into arguments.
fn ghiseu_command_lines() -> Vec<(String, Vec<String>)> {
    let mut lines = vec![];
    for u in UNITS {
        let text = std::fs::read_to_string(repo().join("systemd").join(u)).unwrap();
        for l in text.lines() {
            let Some((key, value)) = l.split_once('=') else { continue };
            if !key.starts_with("Exec") {
                continue;
            }
            let value = value.trim_start_matches(['+', '!', '-', '@', ':']);
            let mut words = value.split_whitespace().map(str::to_owned);
            if words.next().as_deref() == Some("/usr/bin/ghiseu") {
                lines.push((format!("{u}: {l}"), words.collect()));
            }
        }
    }
    lines
}

#[test]
fn every_ghiseu_command_in_a_unit_is_one_the_binary_accepts() {
    let lines = ghiseu_command_lines();
    assert!(lines.len() >= 4, "{lines:?}");
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path().display().to_string();
    for (what, args) in lines {
        // Same arguments, pointed at an empty folder: the command must get past
        // argument parsing (clap exits 2 on a usage error) and fail on the files.
        let args: Vec<String> = args
            .iter()
            .map(|a| {
                a.replace("/var/lib/ghiseu", &format!("{t}/state"))
                    .replace("${CREDENTIALS_DIRECTORY}", &t)
                    .replace("[::]:8443", "127.0.0.1:0")
                    .replace("/boot/efi", &format!("{t}/boot"))
                    .replace("/run/ghiseu-usb", &format!("{t}/usb"))
            })
            .collect();
        let out = Command::new(env!("CARGO_BIN_EXE_ghiseu")).args(&args).env("GHISEU_LOG", "off").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(2), "{what}: the binary refuses these arguments:\n{stderr}");
        assert!(!stderr.contains("Usage:"), "{what}:\n{stderr}");
    }
}

/// The rollback script with stand-ins for `rauc` and `systemctl` on its PATH:
/// what it marks and whether it reboots, for a given `rauc status`.
fn rollback(slots: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("calls");
    let stub = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    stub(
        "rauc",
        &format!(
            "if [ \"$1 $2\" = \"status --detailed\" ]; then cat <<'S'\n{slots}\nS\nelse echo \"rauc $*\" >> {0}; fi",
            log.display()
        ),
    );
    stub("systemctl", &format!("echo \"systemctl $*\" >> {}", log.display()));
    let out = Command::new(repo().join("systemd/ghiseu-rollback"))
        .env("PATH", format!("{}:/usr/bin:/bin", dir.path().display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (std::fs::read_to_string(&log).unwrap_or_default(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn the_rollback_reboots_only_into_a_slot_known_good() {
    // As `rauc status --detailed --output-format=shell` prints it (RAUC 1.8).
    let status = |b_boot: &str| {
        format!(
            "RAUC_SYSTEM_COMPATIBLE='ghiseu-amd64'\nRAUC_SYSTEM_BOOTED_BOOTNAME='B'\nRAUC_BOOT_PRIMARY='rootfs.1'\n\
             RAUC_SYSTEM_SLOTS='rootfs.0 rootfs.1'\nRAUC_SLOTS='1 2'\n\
             RAUC_SLOT_STATE_1='inactive'\nRAUC_SLOT_CLASS_1='rootfs'\nRAUC_SLOT_BOOTNAME_1='A'\nRAUC_SLOT_BOOT_STATUS_1='{b_boot}'\n\
             RAUC_SLOT_STATE_2='booted'\nRAUC_SLOT_CLASS_2='rootfs'\nRAUC_SLOT_BOOTNAME_2='B'\nRAUC_SLOT_BOOT_STATUS_2='good'"
        )
    };
    // An update on B fails its gate; A is good: mark B bad, reboot into A.
    let (calls, said) = rollback(&status("good"));
    assert_eq!(calls, "rauc status mark-bad booted\nsystemctl --no-block reboot\n", "{said}");
    assert!(said.contains("rebooting into slot A"), "{said}");
    // Nothing good to go back to (A bad or never written): stay, no reboot loop.
    let (calls, said) = rollback(&status("bad"));
    assert_eq!(calls, "", "{said}");
    assert!(said.contains("no other slot is known good"), "{said}");
}

/// The partitions of a disk file, as `sfdisk -J` reads them: (name, start, size) in sectors.
fn partitions(img: &Path) -> Vec<(String, u64, u64)> {
    let out = Command::new(tool("sfdisk")).arg("-J").arg(img).output().unwrap();
    assert!(out.status.success(), "sfdisk -J: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["partitiontable"]["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap().to_owned(), p["start"].as_u64().unwrap(), p["size"].as_u64().unwrap()))
        .collect()
}

/// On first boot the data partition grows to fill the SD card or disk, and
/// nothing else moves: image-build/repart.d run by systemd-repart (the one
/// the panel runs at boot) on a disk file laid out as image-build/build
/// lays out the x86 image, then made 2 GiB larger as a bigger disk would
/// be. The slots keep their place and size, the boot partition is left
/// alone, and a second run (the next boot) changes nothing.
#[test]
fn the_data_partition_grows_to_fill_the_disk_and_the_slots_stay() {
    let build = std::fs::read_to_string(repo().join("image-build/build")).unwrap();
    let sizes = build.lines().find_map(|l| l.strip_prefix("slot_mb=")).expect("build: slot_mb=N data_mb=N");
    let (slot, data) = sizes.split_once(" data_mb=").unwrap();
    let (slot, data): (u64, u64) = (slot.parse().unwrap(), data.parse().unwrap());
    let boot = 64u64;
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("disk.img");
    let file = std::fs::File::create(&img).unwrap();
    let built = (1 + boot + slot * 2 + data + 1) << 20;
    file.set_len(built).unwrap();
    let mut sfdisk =
        Command::new(tool("sfdisk")).arg("-q").arg(&img).stdin(std::process::Stdio::piped()).spawn().unwrap();
    use std::io::Write;
    write!(
        sfdisk.stdin.take().unwrap(),
        "label: gpt\nstart=1MiB, size={boot}MiB, type=uefi, name=esp\nsize={slot}MiB, type=linux, name=rootfs-a\n\
         size={slot}MiB, type=linux, name=rootfs-b\nsize={data}MiB, type=linux, name=data\n"
    )
    .unwrap();
    assert!(sfdisk.wait().unwrap().success());
    let before = partitions(&img);
    file.set_len(built + (2 << 30)).unwrap();
    let repart = || {
        let out = Command::new(tool("systemd-repart"))
            .args(["--dry-run=no", "--no-pager"])
            .arg(format!("--definitions={}", repo().join("image-build/repart.d").display()))
            .arg(&img)
            .output()
            .unwrap();
        assert!(out.status.success(), "systemd-repart: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let said = repart();
    let after = partitions(&img);
    assert_eq!(after[..3], before[..3], "only data may change:\n{said}");
    let (name, start, size) = &after[3];
    assert_eq!((name.as_str(), *start), ("data", before[3].1), "{said}");
    let grown_mb = size * 512 >> 20;
    assert!(grown_mb >= data + 2048 - 1, "data grew to {grown_mb} MiB only:\n{said}");
    eprintln!("data partition: {data} MiB as built, {grown_mb} MiB on a disk 2 GiB larger");
    let again = repart();
    assert_eq!(partitions(&img), after, "a second boot changes nothing:\n{again}");
    assert!(again.contains("No changes"), "{again}");
    // The panel's fstab grows the file system after repart grew the partition.
    let fstab = std::fs::read_to_string(repo().join("image-build/rootfs-overlay/fstab")).unwrap();
    assert!(fstab.lines().any(|l| l.starts_with("PARTLABEL=data ") && l.contains("x-systemd.growfs")), "{fstab}");
}

/// GRUB's slot choice on the x86 panels parses (a syntax error there is a
/// panel that never boots; GRUB's own checker reads it as GRUB would).
#[test]
fn the_grub_slot_script_parses() {
    let out = Command::new(tool("grub-script-check")).arg(repo().join("image-build/grub.cfg")).output().unwrap();
    assert!(
        out.status.success(),
        "grub-script-check: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The last value `key` gets in `systemd-analyze cat-config` output (later files win).
fn effective(config: &str, key: &str) -> Option<String> {
    config
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| k.trim().replace('/', ".") == key)
        .map(|(_, v)| v.trim().to_owned())
        .last()
}

/// A keyboard plugged into a public panel reaches nothing: image-build/lockdown,
/// run as the image build runs it on a root with the distribution's units and
/// systemd's upstream sysctl default (SysRq on), leaves Ctrl+Alt+Del masked
/// (and its burst off), every getty masked, no virtual terminal for logind to
/// hand out, the Power/Sleep keys ignored and SysRq off. The QEMU boot test
/// sends the same keys (image-build/test-boot).
#[test]
fn a_keyboard_at_the_panel_can_neither_reboot_it_nor_reach_a_login() {
    let root = unit_root();
    let sysctl = root.path().join("usr/lib/sysctl.d");
    std::fs::create_dir_all(&sysctl).unwrap();
    std::fs::write(sysctl.join("50-default.conf"), "kernel.sysrq = 0x01b6\n").unwrap();
    let out = Command::new(repo().join("image-build/lockdown")).arg(root.path()).output().unwrap();
    assert!(out.status.success(), "image-build/lockdown: {}", String::from_utf8_lossy(&out.stderr));
    let r = format!("--root={}", root.path().display());

    for unit in [
        "ctrl-alt-del.target",
        "getty@tty1.service",
        "getty@tty2.service",
        "autovt@tty2.service",
        "serial-getty@ttyS0.service",
        "console-getty.service",
        "debug-shell.service",
    ] {
        let out = Command::new(tool("systemctl")).arg(&r).args(["is-enabled", unit]).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "masked", "{unit}");
    }
    let cat = |what: &str| {
        let out = Command::new(tool("systemd-analyze")).args(["cat-config", &r, what]).output().unwrap();
        assert!(out.status.success(), "cat-config {what}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let logind = cat("systemd/logind.conf");
    for (key, want) in [
        ("NAutoVTs", "0"),
        ("ReserveVT", "0"),
        ("HandlePowerKey", "ignore"),
        ("HandlePowerKeyLongPress", "ignore"),
        ("HandleRebootKey", "ignore"),
        ("HandleRebootKeyLongPress", "ignore"),
        ("HandleSuspendKey", "ignore"),
        ("HandleSuspendKeyLongPress", "ignore"),
        ("HandleHibernateKey", "ignore"),
        ("HandleHibernateKeyLongPress", "ignore"),
    ] {
        assert_eq!(effective(&logind, key).as_deref(), Some(want), "logind {key}\n{logind}");
    }
    let system = cat("systemd/system.conf");
    assert_eq!(effective(&system, "CtrlAltDelBurstAction").as_deref(), Some("none"), "{system}");
    let sysctl = cat("sysctl.d");
    assert_eq!(effective(&sysctl, "kernel.sysrq").as_deref(), Some("0"), "{sysctl}");

    // The image build applies it, and no kernel command line turns SysRq back on.
    let build = std::fs::read_to_string(repo().join("image-build/build")).unwrap();
    assert!(build.lines().any(|l| l.trim() == r#""$here/lockdown" "$stage""#), "image-build/build runs lockdown");
    for f in ["image-build/grub.cfg", "image-build/rauc-pi-boot"] {
        let text = std::fs::read_to_string(repo().join(f)).unwrap();
        assert!(!text.contains("sysrq"), "{f} mentions sysrq");
        assert!(!text.contains("systemd.debug_shell") && !text.contains("init=/"), "{f}");
    }
    // GRUB's editor and shell are for a superuser with no password (nobody);
    // each slot boots without one.
    let grub = std::fs::read_to_string(repo().join("image-build/grub.cfg")).unwrap();
    assert!(grub.lines().any(|l| l.starts_with("set superusers=")), "grub.cfg sets superusers");
    assert!(
        !grub.lines().any(|l| l.trim_start().starts_with("password")),
        "grub.cfg: no password line, so no one edits"
    );
    let entries: Vec<&str> = grub.lines().filter(|l| l.starts_with("menuentry ")).collect();
    assert!(!entries.is_empty() && entries.iter().all(|l| l.contains("--unrestricted")), "{entries:?}");
    // The kiosk's own unit takes no terminal (no TTYPath=, no tty input) and stops no getty.
    let kiosk = std::fs::read_to_string(repo().join("systemd/ghiseu.service")).unwrap();
    for l in kiosk.lines().filter(|l| !l.starts_with('#')) {
        assert!(!l.starts_with("TTY") && !l.contains("StandardInput=tty") && !l.contains("getty"), "{l}");
        assert!(!l.contains("chvt"), "{l}");
    }
}
