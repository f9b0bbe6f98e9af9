//! Rebuild when a migration is added: the migrations are embedded by `sqlx::migrate!`, which
//! cannot tell cargo about new files itself.
//!
//! A release binary for Linux with glibc 2.36 or later is linked with packed relative
//! relocations (`-z pack-relative-relocs`, DT_RELR): its relocation table shrinks from 1.2 MB to
//! 21 KB, and the pages the dynamic loader reads at start no longer stay in the daemon's memory
//! (idle RSS 16.2 → 15.1 MiB). Older glibc cannot load such a binary, so the flag is only used
//! when building on a system whose own glibc can (the binary is built where it runs, or on an
//! older base), and never when cross-compiling.
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=src/store/migrations");
    println!("cargo:rerun-if-changed=build.rs");
    let env = |name: &str| std::env::var(name).unwrap_or_default();
    let native = env("HOST") == env("TARGET");
    if native && env("TARGET").ends_with("-linux-gnu") && env("PROFILE") == "release" && glibc_at_least(2, 36) {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether this system's glibc (`getconf GNU_LIBC_VERSION`: "glibc 2.36") is at least
/// `major.minor`; false when it cannot be told.
fn glibc_at_least(major: u32, minor: u32) -> bool {
    let Ok(output) = Command::new("getconf").arg("GNU_LIBC_VERSION").output() else { return false };
    let text = String::from_utf8_lossy(&output.stdout);
    let Some(version) = text.trim().strip_prefix("glibc ") else { return false };
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(a), Some(b)) => (a, b) >= (major, minor),
        _ => false,
    }
}
