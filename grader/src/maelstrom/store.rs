//! Finding a run's folder in Maelstrom's `store/` (spec §8.4): `store/<workload>/<timestamp>/`,
//! with `latest` and `current` symlinks that point at the newest ones.

use std::path::{Path, PathBuf};

/// The newest run folder under a `store/` folder: the newest of what `latest` and `current`
/// point at and of every `<workload>/<timestamp>/` folder. Timestamps are Jepsen's basic ISO
/// format, so their names sort in time order.
pub fn newest_run(store_root: &Path) -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = ["latest", "current"]
        .iter()
        .filter_map(|link| std::fs::canonicalize(store_root.join(link)).ok())
        .filter(|p| p.is_dir())
        .collect();
    if let Ok(workloads) = std::fs::read_dir(store_root) {
        for workload in workloads.filter_map(Result::ok) {
            let name = workload.file_name();
            if name == "latest" || name == "current" || !workload.path().is_dir() {
                continue;
            }
            let Ok(runs) = std::fs::read_dir(workload.path()) else {
                continue;
            };
            candidates.extend(
                runs.filter_map(Result::ok)
                    .filter(|r| r.file_name() != "latest")
                    .map(|r| r.path())
                    .filter(|p| p.is_dir()),
            );
        }
    }
    candidates
        .into_iter()
        .filter(|p| is_run_folder(p))
        .max_by(|a, b| a.file_name().cmp(&b.file_name()))
}

/// A folder Jepsen wrote for one test: it has a `jepsen.log` or a `results.edn`.
pub fn is_run_folder(p: &Path) -> bool {
    p.join("results.edn").is_file() || p.join("jepsen.log").is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_newest_timestamp() {
        let tmp = tempfile::tempdir().unwrap();
        let store = tmp.path();
        for run in [
            "broadcast/20240401T152111.624+0800",
            "broadcast/20240401T152726.437+0800",
            "echo/20240302T132547.535+0800",
        ] {
            std::fs::create_dir_all(store.join(run)).unwrap();
            std::fs::write(store.join(run).join("jepsen.log"), "").unwrap();
        }
        std::fs::create_dir_all(store.join("echo/empty")).unwrap();
        assert_eq!(
            newest_run(store).unwrap(),
            store.join("broadcast/20240401T152726.437+0800")
        );
        assert!(newest_run(&store.join("nothing")).is_none());
    }
}
