//! The mirror: the state that must survive a crash (the DB with its journal,
//! uploaded files, plugin directories installed this session), held OUTSIDE
//! the disposable PHP runtime as a `vfs` file system.
//!
//! `vfs::MemoryFS` reads the system clock, which panics on wasm32, so the
//! mirror implements `vfs::FileSystem` over its own store and reports no
//! times. Files are shared `Arc<Vec<u8>>` so a restore never copies them twice.

use crate::boot::write_creating_dirs;
use crate::php::{PhpError, PhpRuntime};
use std::collections::BTreeMap;
use std::io::{Cursor, Write};
use std::sync::{Arc, RwLock};
use vfs::error::VfsErrorKind;
use vfs::{FileSystem, SeekAndRead, SeekAndWrite, VfsFileType, VfsMetadata, VfsPath, VfsResult};

#[derive(Debug, Clone)]
enum Node {
    Dir,
    File(Arc<Vec<u8>>),
}

/// The store behind the mirror; paths are absolute ("/persist/x"), "" is the root.
#[derive(Debug, Clone, Default)]
pub struct MirrorFs {
    nodes: Arc<RwLock<BTreeMap<String, Node>>>,
}

impl MirrorFs {
    fn with_nodes<T>(&self, f: impl FnOnce(&BTreeMap<String, Node>) -> T) -> T {
        f(&self.nodes.read().expect("mirror lock"))
    }

    fn insert(&self, path: &str, node: Node) {
        let mut nodes = self.nodes.write().expect("mirror lock");
        let mut parent = String::new();
        for part in
            path.trim_start_matches('/').split('/').collect::<Vec<_>>().split_last().map(|(_, d)| d).unwrap_or(&[])
        {
            parent.push('/');
            parent.push_str(part);
            nodes.entry(parent.clone()).or_insert(Node::Dir);
        }
        nodes.insert(path.to_string(), node);
    }

    fn children(&self, path: &str) -> Vec<String> {
        let prefix = format!("{}/", path.trim_end_matches('/'));
        self.with_nodes(|nodes| {
            nodes
                .range(prefix.clone()..)
                .take_while(|(p, _)| p.starts_with(&prefix))
                .filter_map(|(p, _)| p[prefix.len()..].split('/').next().map(str::to_string))
                .fold(Vec::new(), |mut names, name| {
                    if names.last() != Some(&name) {
                        names.push(name);
                    }
                    names
                })
        })
    }
}

/// Bytes being written through the vfs API; committed on flush and on drop.
struct PendingFile {
    fs: MirrorFs,
    path: String,
    buffer: Cursor<Vec<u8>>,
}

impl Write for PendingFile {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.write(data)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.fs.insert(&self.path, Node::File(Arc::new(self.buffer.get_ref().clone())));
        Ok(())
    }
}

impl std::io::Seek for PendingFile {
    fn seek(&mut self, position: std::io::SeekFrom) -> std::io::Result<u64> {
        self.buffer.seek(position)
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        let bytes = std::mem::take(self.buffer.get_mut());
        self.fs.insert(&self.path, Node::File(Arc::new(bytes)));
    }
}

/// Read access to shared bytes.
struct SharedBytes(Arc<Vec<u8>>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl FileSystem for MirrorFs {
    fn read_dir(&self, path: &str) -> VfsResult<Box<dyn Iterator<Item = String> + Send>> {
        match self.with_nodes(|n| n.get(path).cloned()) {
            Some(Node::Dir) => Ok(Box::new(self.children(path).into_iter())),
            None if path.is_empty() => Ok(Box::new(self.children("").into_iter())),
            Some(Node::File(_)) => Err(VfsErrorKind::Other("not a directory".into()).into()),
            None => Err(VfsErrorKind::FileNotFound.into()),
        }
    }

    fn create_dir(&self, path: &str) -> VfsResult<()> {
        if self.with_nodes(|n| n.contains_key(path)) {
            return Err(VfsErrorKind::DirectoryExists.into());
        }
        self.insert(path, Node::Dir);
        Ok(())
    }

    fn open_file(&self, path: &str) -> VfsResult<Box<dyn SeekAndRead + Send>> {
        match self.with_nodes(|n| n.get(path).cloned()) {
            Some(Node::File(bytes)) => Ok(Box::new(Cursor::new(SharedBytes(bytes)))),
            _ => Err(VfsErrorKind::FileNotFound.into()),
        }
    }

    fn create_file(&self, path: &str) -> VfsResult<Box<dyn SeekAndWrite + Send>> {
        Ok(Box::new(PendingFile { fs: self.clone(), path: path.into(), buffer: Cursor::new(Vec::new()) }))
    }

    fn append_file(&self, path: &str) -> VfsResult<Box<dyn SeekAndWrite + Send>> {
        let existing = match self.with_nodes(|n| n.get(path).cloned()) {
            Some(Node::File(bytes)) => bytes.as_ref().clone(),
            _ => return Err(VfsErrorKind::FileNotFound.into()),
        };
        let mut buffer = Cursor::new(existing);
        buffer.set_position(buffer.get_ref().len() as u64);
        Ok(Box::new(PendingFile { fs: self.clone(), path: path.into(), buffer }))
    }

    fn metadata(&self, path: &str) -> VfsResult<VfsMetadata> {
        let (file_type, len) = match self.with_nodes(|n| n.get(path).cloned()) {
            Some(Node::File(bytes)) => (VfsFileType::File, bytes.len() as u64),
            Some(Node::Dir) => (VfsFileType::Directory, 0),
            None if path.is_empty() => (VfsFileType::Directory, 0),
            None => return Err(VfsErrorKind::FileNotFound.into()),
        };
        // No times: reading the clock panics on wasm32, and nothing needs them.
        Ok(VfsMetadata { file_type, len, created: None, modified: None, accessed: None })
    }

    fn exists(&self, path: &str) -> VfsResult<bool> {
        Ok(path.is_empty() || self.with_nodes(|n| n.contains_key(path)))
    }

    fn remove_file(&self, path: &str) -> VfsResult<()> {
        let mut nodes = self.nodes.write().expect("mirror lock");
        match nodes.get(path) {
            Some(Node::File(_)) => {
                nodes.remove(path);
                Ok(())
            }
            _ => Err(VfsErrorKind::FileNotFound.into()),
        }
    }

    fn remove_dir(&self, path: &str) -> VfsResult<()> {
        if !self.children(path).is_empty() {
            return Err(VfsErrorKind::Other("directory not empty".into()).into());
        }
        self.nodes.write().expect("mirror lock").remove(path);
        Ok(())
    }
}

/// What to copy out of a runtime into the mirror.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// One file; skipped when it does not exist (a journal usually doesn't).
    File(String),
    /// A directory with everything below it; skipped when missing.
    Tree(String),
}

/// A snapshot of the state that must survive, as a vfs file system.
#[derive(Debug, Clone, Default)]
pub struct Mirror {
    fs: MirrorFs,
}

impl Mirror {
    /// The mirror as a `vfs` path, for browsing and for tests.
    pub fn root(&self) -> VfsPath {
        VfsPath::new(self.fs.clone())
    }

    /// Adds a file without copying its bytes again.
    pub fn put(&self, path: &str, bytes: Vec<u8>) {
        self.fs.insert(path, Node::File(Arc::new(bytes)));
    }

    /// Adds a file that another mirror already holds (no copy).
    pub fn put_shared(&self, path: &str, bytes: Arc<Vec<u8>>) {
        self.fs.insert(path, Node::File(bytes));
    }

    pub fn get(&self, path: &str) -> Option<Arc<Vec<u8>>> {
        match self.fs.with_nodes(|n| n.get(path).cloned()) {
            Some(Node::File(bytes)) => Some(bytes),
            _ => None,
        }
    }

    /// Every file with its bytes, in path order.
    pub fn files(&self) -> Vec<(String, Arc<Vec<u8>>)> {
        self.fs.with_nodes(|nodes| {
            nodes
                .iter()
                .filter_map(|(path, node)| match node {
                    Node::File(bytes) => Some((path.clone(), bytes.clone())),
                    Node::Dir => None,
                })
                .collect()
        })
    }

    /// (files, bytes) held.
    pub fn size(&self) -> (u32, u64) {
        self.fs.with_nodes(|nodes| {
            nodes.values().fold((0, 0), |(n, b), node| match node {
                Node::File(bytes) => (n + 1, b + bytes.len() as u64),
                Node::Dir => (n, b),
            })
        })
    }

    /// Reads `sources` out of a runtime, crashed or not, at the JS level: only
    /// Emscripten FS calls, never PHP.
    pub fn snapshot<R: PhpRuntime>(runtime: &R, sources: &[Source]) -> Result<Mirror, PhpError> {
        let mirror = Mirror::default();
        for source in sources {
            match source {
                Source::File(path) => {
                    if let Some(stat) = runtime.stat(path)? {
                        if !stat.is_dir {
                            mirror.put(path, runtime.read_file(path)?);
                        }
                    }
                }
                Source::Tree(dir) => mirror.copy_tree(runtime, dir)?,
            }
        }
        Ok(mirror)
    }

    fn copy_tree<R: PhpRuntime>(&self, runtime: &R, dir: &str) -> Result<(), PhpError> {
        let Some(stat) = runtime.stat(dir)? else { return Ok(()) };
        if !stat.is_dir {
            self.put(dir, runtime.read_file(dir)?);
            return Ok(());
        }
        self.fs.insert(dir, Node::Dir);
        for name in runtime.read_dir(dir)? {
            self.copy_tree(runtime, &format!("{dir}/{name}"))?;
        }
        Ok(())
    }

    /// Writes every file onto a (fresh) runtime, creating parent directories.
    /// Returns (files, bytes) restored.
    pub fn restore<R: PhpRuntime>(&self, runtime: &R) -> Result<(u32, u64), PhpError> {
        let mut restored = (0, 0);
        for (path, bytes) in self.files() {
            write_creating_dirs(runtime, &path, &bytes)?;
            restored = (restored.0 + 1, restored.1 + bytes.len() as u64);
        }
        Ok(restored)
    }

    /// Whether the mirror holds a file or directory at `path`.
    pub fn contains(&self, path: &str) -> bool {
        self.fs.with_nodes(|n| n.contains_key(path))
    }

    /// Adds a directory (no files).
    pub fn put_dir(&self, path: &str) {
        self.fs.insert(path, Node::Dir);
    }

    /// Every directory, in path order.
    pub fn dirs(&self) -> Vec<String> {
        self.fs.with_nodes(|nodes| {
            nodes.iter().filter(|(_, node)| matches!(node, Node::Dir)).map(|(path, _)| path.clone()).collect()
        })
    }

    /// Before a restore: under each of `roots` that the mirror holds as a
    /// directory, removes from the runtime every file and directory the
    /// mirror lacks, so the runtime ends up holding exactly the mirror's
    /// state there, not a merge with what its own bootstrap, seeds or warm-up
    /// left (a seed file the user deleted stays deleted; a cache file a
    /// standby's warm-up wrote goes). Returns how many entries went.
    pub fn remove_what_it_lacks<R: PhpRuntime>(&self, runtime: &R, roots: &[String]) -> Result<u32, PhpError> {
        let mut removed = 0;
        for root in roots {
            let held_as_dir = self.fs.with_nodes(|n| matches!(n.get(root.as_str()), Some(Node::Dir)));
            if held_as_dir && runtime.stat(root)?.is_some_and(|stat| stat.is_dir) {
                removed += remove_below(runtime, root, &|path| self.contains(path))?;
            }
        }
        Ok(removed)
    }

    /// Removes `path` from the runtime with everything below it, if it exists.
    pub fn remove_tree<R: PhpRuntime>(runtime: &R, path: &str) -> Result<(), PhpError> {
        let Some(stat) = runtime.stat(path)? else { return Ok(()) };
        if !stat.is_dir {
            return runtime.unlink(path);
        }
        remove_below(runtime, path, &|_| false)?;
        runtime.remove_dir(path)
    }
}

/// Removes from the runtime everything below `dir` that `keep` does not
/// name (a kept directory keeps only what `keep` names inside it).
/// Returns how many entries went.
fn remove_below<R: PhpRuntime>(runtime: &R, dir: &str, keep: &dyn Fn(&str) -> bool) -> Result<u32, PhpError> {
    let mut removed = 0;
    for name in runtime.read_dir(dir)? {
        let path = format!("{dir}/{name}");
        let Some(stat) = runtime.stat(&path)? else { continue };
        let kept = keep(&path);
        if stat.is_dir {
            removed += remove_below(runtime, &path, keep)?;
            if !kept {
                runtime.remove_dir(&path)?;
                removed += 1;
            }
        } else if !kept {
            runtime.unlink(&path)?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::FakeRuntime;
    use std::io::Read;

    #[test]
    fn is_a_vfs_file_system() {
        let mirror = Mirror::default();
        let root = mirror.root();
        root.join("persist/moodledata").unwrap().create_dir_all().unwrap();
        root.join("persist/moodledata/a.txt").unwrap().create_file().unwrap().write_all(b"hello").unwrap();
        let mut text = String::new();
        root.join("persist/moodledata/a.txt").unwrap().open_file().unwrap().read_to_string(&mut text).unwrap();
        assert_eq!(text, "hello");
        let names: Vec<String> =
            root.join("persist/moodledata").unwrap().read_dir().unwrap().map(|p| p.filename()).collect();
        assert_eq!(names, vec!["a.txt"]);
        assert_eq!(root.join("persist/moodledata/a.txt").unwrap().metadata().unwrap().len, 5);
        assert!(!root.join("nope").unwrap().exists().unwrap());
        root.join("persist/moodledata/a.txt").unwrap().remove_file().unwrap();
        assert_eq!(mirror.size(), (0, 0));
    }

    #[test]
    fn snapshots_files_and_trees_and_skips_what_is_missing() {
        let runtime = FakeRuntime::default();
        runtime.write_file("/persist/db.sq3", b"SQLite format 3\0").unwrap();
        runtime.write_file("/persist/filedir/ab/cd/abcd", b"upload").unwrap();
        runtime.mkdir_tree("/persist/filedir/ab/cd").unwrap();
        runtime.write_file("/www/moodle/mod/x/version.php", b"<?php").unwrap();
        runtime.mkdir_tree("/www/moodle/mod/x").unwrap();
        let sources = vec![
            Source::File("/persist/db.sq3".into()),
            Source::File("/persist/db.sq3-journal".into()),
            Source::Tree("/persist/filedir".into()),
            Source::Tree("/www/moodle/mod/x".into()),
            Source::Tree("/www/moodle/mod/missing".into()),
        ];
        let mirror = Mirror::snapshot(&runtime, &sources).unwrap();
        assert_eq!(mirror.size(), (3, 16 + 6 + 5));
        assert_eq!(mirror.get("/persist/filedir/ab/cd/abcd").unwrap().as_slice(), b"upload");
        assert!(!mirror.contains("/persist/db.sq3-journal"));

        let fresh = FakeRuntime::default();
        assert_eq!(mirror.restore(&fresh).unwrap(), (3, 27));
        assert_eq!(fresh.file("/www/moodle/mod/x/version.php").unwrap(), b"<?php");
        assert!(fresh.is_dir("/persist/filedir/ab/cd"));
    }
}
