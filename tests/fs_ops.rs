//! `tulip::fs`'s one-shot helpers: `read_dir` (a stream fetched in batches), `create_dir_all`,
//! `rename`, `copy`, `remove_file`, `metadata`.

mod support;

use std::collections::BTreeSet;
use std::io::ErrorKind;

use futures_lite::StreamExt;
use support::net::{run, TempDir};
use tulip::fs;

/// Python: `sorted(e.name for e in os.scandir(d))` run in the executor — 150 entries (three
/// batches), files and directories told apart without a `stat` per entry.
#[test]
fn read_dir_lists_every_entry() {
    let dir = TempDir::new();
    let root = dir.path("list");
    run(async {
        fs::create_dir_all(root.join("sub/deeper")).await.unwrap();
        fs::create_dir_all(root.join("sub")).await.unwrap(); // exists: fine
        let mut want = BTreeSet::from(["sub".to_owned()]);
        for i in 0..149 {
            let name = format!("f{i:03}");
            fs::write(root.join(&name), vec![1; i]).await.unwrap();
            want.insert(name);
        }

        // As a Stream.
        let mut seen = BTreeSet::new();
        let mut entries = fs::read_dir(&root).await.unwrap();
        while let Some(entry) = entries.next().await {
            let entry = entry.unwrap();
            let name = entry.file_name().into_string().unwrap();
            assert_eq!(entry.path(), root.join(&name));
            let is_dir = entry.file_type().unwrap().is_dir();
            assert_eq!(is_dir, name == "sub", "{name}");
            if !is_dir {
                let len: usize = name[1..].parse().unwrap();
                assert_eq!(entry.metadata().await.unwrap().len(), len as u64);
            }
            seen.insert(name);
        }
        assert_eq!(seen, want);
        assert!(entries.next().await.is_none(), "stays finished");

        // With next_entry, dropped half way (a batch may be on the pool).
        let mut entries = fs::read_dir(&root).await.unwrap();
        assert!(entries.next_entry().await.unwrap().is_some());
        drop(entries);

        let err = fs::read_dir(root.join("f001")).await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(20), "ENOTDIR: {err}");
        let err = fs::read_dir(root.join("missing")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
    });
}

/// `os.replace`, `shutil.copy`, `os.remove`, `os.stat` in the executor.
#[test]
fn rename_copy_remove_metadata() {
    let dir = TempDir::new();
    let (a, b, c) = (dir.path("a"), dir.path("b"), dir.path("c"));
    run(async {
        fs::write(&a, b"contents").await.unwrap();
        fs::rename(&a, &b).await.unwrap();
        assert_eq!(
            fs::metadata(&a).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        assert_eq!(fs::copy(&b, &c).await.unwrap(), 8);
        assert_eq!(fs::read(&c).await.unwrap(), b"contents");
        let meta = fs::metadata(&c).await.unwrap();
        assert!(meta.is_file());
        assert_eq!(meta.len(), 8);
        fs::remove_file(&b).await.unwrap();
        fs::remove_file(&c).await.unwrap();
        assert_eq!(
            fs::remove_file(&c).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
    });
}
