//! The bench process's memory (from `/proc/self/status`) and the machine it runs on.

/// A `kB` field of `/proc/self/status` (`VmRSS`, `VmHWM`), in bytes.
pub fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    proc_field_kb(&status, field).map(|kb| kb * 1024)
}

/// The resident set size now, in bytes.
pub fn rss() -> Option<u64> {
    status_bytes("VmRSS")
}

/// The peak resident set size so far, in bytes.
pub fn peak_rss() -> Option<u64> {
    status_bytes("VmHWM")
}

fn proc_field_kb(text: &str, field: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// What the report says about the machine.
#[derive(Debug, Clone, Default)]
pub struct Machine {
    /// CPUs this process may use.
    pub cpus: usize,
    /// The CPU model.
    pub cpu_model: String,
    /// Total memory, in bytes.
    pub memory: u64,
    /// The kernel release.
    pub kernel: String,
    /// The load averages when the run started.
    pub load_average: String,
}

impl Machine {
    /// Reads `/proc`.
    pub fn detect() -> Self {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let cpu_model = read("/proc/cpuinfo")
            .lines()
            .find_map(|line| {
                let (key, value) = line.split_once(':')?;
                (key.trim() == "model name").then(|| value.trim().to_owned())
            })
            .unwrap_or_default();
        let load_average = read("/proc/loadavg")
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model,
            memory: proc_field_kb(&read("/proc/meminfo"), "MemTotal").unwrap_or(0) * 1024,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
            load_average,
        }
    }
}

/// The library's source the bench was built from: the git commit of the workspace, and whether
/// `runtime/` or `macros/` had uncommitted changes (others may be editing the workspace while it
/// runs). `None` when git cannot tell.
pub fn library_source() -> Option<String> {
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(workspace)
            .args(args)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim_end().to_owned())
    };
    let commit = git(&["rev-parse", "--short", "HEAD"])?;
    let changed = git(&["status", "--porcelain", "--", "runtime", "macros"])?;
    Some(if changed.is_empty() {
        format!("commit {commit}")
    } else {
        let files: Vec<&str> = changed.lines().filter_map(|line| line.get(3..)).collect();
        format!(
            "commit {commit} with uncommitted changes to {}",
            files.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_in_kb() {
        let status = "Name:\tbench\nVmHWM:\t   12345 kB\nVmRSS:\t  2048 kB\n";
        assert_eq!(proc_field_kb(status, "VmHWM"), Some(12345));
        assert_eq!(proc_field_kb(status, "VmRSS"), Some(2048));
        assert_eq!(proc_field_kb(status, "VmSwap"), None);
    }

    #[test]
    fn this_process_has_a_resident_set() {
        assert!(rss().is_some_and(|bytes| bytes > 0));
        assert!(peak_rss().is_some_and(|bytes| bytes > 0));
        // From one reading: two readings race with the other tests' threads, which can grow
        // the resident set past the peak read a moment before.
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let (peak, now) = (
            proc_field_kb(&status, "VmHWM"),
            proc_field_kb(&status, "VmRSS"),
        );
        assert!(
            now.is_some() && peak >= now,
            "VmHWM {peak:?} < VmRSS {now:?}"
        );
    }
}
