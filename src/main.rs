//! The `petition-watch` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    limit_malloc_arenas();
    raise_open_file_limit();
    petition_watch::cli::main()
}

/// Raises the soft limit on open files to the hard one (often 1024 against 524288): the
/// listener's connections, the database and the mail and file channels all take descriptors.
/// Where it cannot be raised (a system-call filter) the limit stays as it was; the listener's
/// `http.max_connections` still keeps descriptors free for delivery.
#[cfg(unix)]
fn raise_open_file_limit() {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit read and write only the struct passed; no other thread
    // exists yet.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

#[cfg(not(unix))]
fn raise_open_file_limit() {}

/// glibc gives threads that meet on the allocator arenas of their own (up to eight per core) and
/// keeps what each arena once held. A job run over a large register allocates and frees hundreds
/// of MB on whichever threads the runtime uses, so the daemon's RSS became the sum of several such
/// peaks: 1.4–1.6 GiB in the soak with 100,000 flagged cases, 0.64 GiB with two arenas. Two
/// arenas are plenty for a daemon on a few cores.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    // SAFETY: mallopt only sets an allocator parameter; it is called before any other thread
    // exists, and glibc documents M_ARENA_MAX as settable at any time.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}
