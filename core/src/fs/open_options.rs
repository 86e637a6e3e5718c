//! `OpenOptions`: how to open a [`File`], mirroring `std::fs::OpenOptions`.

use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::file::{File, DEFAULT_CHUNK_SIZE};
use crate::blocking::spawn_blocking;

/// How to open a [`File`]: the flags of `std::fs::OpenOptions`, plus the chunk size. `open` runs on the
/// blocking pool (opening can block on a slow or network file system).
///
/// **asyncio:** the `mode` string of `open(path, mode)` (`"r"`, `"w"`, `"a"`, `"x"`, `"+"`), passed
/// through `run_in_executor` or `aiofiles.open`.
///
/// # Examples
///
/// ```
/// use tulip_core::fs::OpenOptions;
///
/// tulip_core::run(async {
///     let path = std::env::temp_dir().join(format!("tulip-doc-open-options-{}", std::process::id()));
///     let mut f = OpenOptions::new().write(true).create_new(true).open(&path).await?;
///     f.write_all(b"x").await?;
///     f.close().await?;
///     // "x" mode: a second create_new fails.
///     let again = OpenOptions::new().write(true).create_new(true).open(&path).await;
///     assert_eq!(again.unwrap_err().kind(), std::io::ErrorKind::AlreadyExists);
///     tulip_core::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct OpenOptions {
    std: std::fs::OpenOptions,
    chunk: usize,
}

impl OpenOptions {
    /// No access and no flags yet; set at least `read`, `write` or `append`.
    ///
    /// **asyncio:** `open(path, mode)` with the mode still to choose.
    ///
    /// # Examples
    ///
    /// ```
    /// let opts = tulip_core::fs::OpenOptions::new();
    /// # let _ = opts;
    /// ```
    pub fn new() -> OpenOptions {
        OpenOptions {
            std: std::fs::OpenOptions::new(),
            chunk: DEFAULT_CHUNK_SIZE,
        }
    }

    /// Read access.
    ///
    /// **asyncio:** mode `"r"`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::fs::OpenOptions::new().read(true);
    /// ```
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.std.read(read);
        self
    }

    /// Write access.
    ///
    /// **asyncio:** mode `"w"` (with `create` and `truncate`) or `"r+"` (with `read`).
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::fs::OpenOptions::new().read(true).write(true);
    /// ```
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.std.write(write);
        self
    }

    /// Every write goes to the end of the file (`O_APPEND`).
    ///
    /// **asyncio:** mode `"a"`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::fs::OpenOptions::new().append(true).create(true);
    /// ```
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.std.append(append);
        self
    }

    /// Truncate an existing file to length 0 (needs write access).
    ///
    /// **asyncio:** the truncation in mode `"w"`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::fs::OpenOptions::new().write(true).truncate(true);
    /// ```
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.std.truncate(truncate);
        self
    }

    /// Create the file if it does not exist (needs write or append access).
    ///
    /// **asyncio:** the creation in modes `"w"` and `"a"`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::fs::OpenOptions::new().write(true).create(true);
    /// ```
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.std.create(create);
        self
    }

    /// Create the file, failing with `ErrorKind::AlreadyExists` if it exists (`O_EXCL`).
    ///
    /// **asyncio:** mode `"x"`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::fs::OpenOptions::new().write(true).create_new(true);
    /// ```
    pub fn create_new(&mut self, create_new: bool) -> &mut OpenOptions {
        self.std.create_new(create_new);
        self
    }

    /// The permission bits a newly created file gets (before the umask); default `0o666`.
    ///
    /// **asyncio:** `os.open(path, flags, mode)`, or the `opener` argument of `open`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::fs::OpenOptions::new().write(true).create(true).mode(0o600);
    /// ```
    pub fn mode(&mut self, mode: u32) -> &mut OpenOptions {
        self.std.mode(mode);
        self
    }

    /// Extra `open(2)` flags (`libc::O_*`), or'ed in.
    ///
    /// **asyncio:** the `flags` of `os.open`, or the `opener` argument of `open`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOATIME);
    /// ```
    pub fn custom_flags(&mut self, flags: i32) -> &mut OpenOptions {
        self.std.custom_flags(flags);
        self
    }

    /// The opened file's chunk size; see [`File::set_chunk_size`]. A zero size makes
    /// [`open`](OpenOptions::open) fail with `InvalidInput`.
    ///
    /// **asyncio:** the `n` in `run_in_executor(None, f.read, n)`.
    ///
    /// # Examples
    ///
    /// ```
    /// tulip_core::fs::OpenOptions::new().read(true).chunk_size(1 << 20);
    /// ```
    pub fn chunk_size(&mut self, size: usize) -> &mut OpenOptions {
        self.chunk = size;
        self
    }

    /// Opens `path` with these options, on the blocking pool.
    ///
    /// **asyncio:** `await loop.run_in_executor(None, open, path, mode)`; `aiofiles.open(path, mode)`.
    ///
    /// # Errors
    ///
    /// Those of [`std::fs::OpenOptions::open`]: `NotFound`, `PermissionDenied`, `AlreadyExists`,
    /// `InvalidInput` for an invalid combination of flags, … `InvalidInput` also for a
    /// [`chunk_size`](OpenOptions::chunk_size) of 0, before anything is opened or created.
    ///
    /// # Examples
    ///
    /// ```
    /// # tulip_core::run(async {
    /// # let path = std::env::temp_dir().join(format!("tulip-doc-open-{}", std::process::id()));
    /// let f = tulip_core::fs::OpenOptions::new()
    ///     .write(true)
    ///     .create(true)
    ///     .chunk_size(4096)
    ///     .open(&path)
    ///     .await?;
    /// assert_eq!(f.chunk_size(), 4096);
    /// # f.close().await?;
    /// # tulip_core::fs::remove_file(&path).await
    /// # }).unwrap();
    /// ```
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let chunk = super::file::check_chunk_size(self.chunk)?;
        let opts = self.std.clone();
        let path = path.as_ref().to_owned();
        let file = spawn_blocking(move || opts.open(path)).await?;
        Ok(File::from_std(file).with_chunk_size(chunk))
    }
}

impl Default for OpenOptions {
    /// The same as [`OpenOptions::new`].
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

impl From<std::fs::OpenOptions> for OpenOptions {
    /// Keeps the flags of `std`'s options, with the default chunk size.
    fn from(std: std::fs::OpenOptions) -> OpenOptions {
        OpenOptions {
            std,
            chunk: DEFAULT_CHUNK_SIZE,
        }
    }
}
