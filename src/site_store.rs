//! The site's save outside the worker: what goes into a save, and what a
//! loaded save restores. Plain Rust; the shell (src/worker.rs) hands a plan
//! to the JS store (www/store/site-store.js), which writes it to OPFS.
//!
//! A save is a manifest (format version, profile, when, after which request,
//! every file as a list of content-addressed 64 KiB chunks, the cookie jar,
//! the plugins) plus the chunks it names that the store lacks. Saves are
//! incremental: a file whose size and mtime did not change keeps its chunk
//! list, and of the DB only the chunks written since the last save are taken
//! again (the checkpointer's write tracking says which). A plan names those
//! DB chunks `new-<i>`: the page hashes them (natively, off the worker: on a
//! small write that is most of a save's cost) as it writes them and says
//! their names back, which the landed manifest takes. Other files' chunks are
//! hashed here, so a file rewritten with the same bytes writes no chunk. The DB always comes
//! from the last-known-good checkpoint, so a save is at a transaction
//! boundary by construction, never beside a hot journal.

use crate::cookies::CookieJar;
use crate::php::{PhpError, PhpRuntime};
use crate::plugins::TrackedPlugin;
use crate::profile::Profile;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The manifest format this worker writes and reads; a newer one is refused.
pub const FORMAT: u32 = 1;
/// Chunk size of every saved file: a small DB write re-saves 64 KiB, not the DB.
pub const CHUNK: usize = 64 * 1024;
/// A plan's name for the i-th of its DB chunks still to hash, until the page names it by its sha-256.
pub const NEW_CHUNK_PREFIX: &str = "new-";
/// A chunk's name: its sha-256 in lower-case hex.
pub const CHUNK_NAME_LEN: usize = 64;

/// What the store keeps of one site, as written to `save-<seq>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub format: u32,
    pub profile: String,
    pub seq: u64,
    pub saved_at_ms: f64,
    /// Requests this site had served when the save was taken.
    pub request: u64,
    pub bytes: u64,
    pub files: Vec<SavedFile>,
    pub dirs: Vec<String>,
    pub cookies: BTreeMap<String, String>,
    pub plugins: Vec<SavedPlugin>,
}

impl Manifest {
    /// The plugins this save holds, as the tracker keeps them.
    pub fn plugins(&self) -> impl Iterator<Item = TrackedPlugin> + '_ {
        self.plugins.iter().map(|p| TrackedPlugin { component: p.component.clone(), dir: p.dir.clone() })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedFile {
    pub path: String,
    pub size: u64,
    /// sha-256 (hex) of each CHUNK-sized piece, in order (`new-<i>` in a plan).
    pub chunks: Vec<String>,
    /// MEMFS mtime when saved (the DB's: 0). Only for "unchanged since".
    #[serde(default)]
    pub mtime_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlugin {
    pub component: String,
    pub dir: String,
}

/// A save to write: the manifest, and the chunks earlier saves did not write,
/// each by its name (a sha-256, or `new-<i>` for the page to hash).
#[derive(Debug, Clone, PartialEq)]
pub struct SavePlan {
    pub manifest: Manifest,
    pub new_chunks: Vec<(String, Vec<u8>)>,
}

impl SavePlan {
    pub fn manifest_json(&self) -> String {
        serde_json::to_string(&self.manifest).expect("a manifest is plain data")
    }
}

/// Which of the DB's bytes changed since the last save landed.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum DbChanges {
    /// Unknown (first save, new runtime, a failed save): hash it all again.
    #[default]
    All,
    Ranges(Vec<(u64, u64)>),
}

/// Past this many recorded ranges, hashing the whole DB again is as cheap
/// as checking them (and the record stays bounded while no save lands).
const MAX_DB_RANGES: usize = 1024;

impl DbChanges {
    pub fn add(&mut self, ranges: &[(u64, u64)]) {
        if let DbChanges::Ranges(mine) = self {
            mine.extend_from_slice(ranges);
            if mine.len() > MAX_DB_RANGES {
                *self = DbChanges::All;
            }
        }
    }

    /// These changes and `other`'s (a save that failed gives its changes back).
    fn merge(&mut self, other: DbChanges) {
        match other {
            DbChanges::Ranges(ranges) => self.add(&ranges),
            DbChanges::All => *self = DbChanges::All,
        }
    }
}

/// The chunks a plan names, and the bytes of those the store does not hold.
struct ChunkSet<'a> {
    stored: BTreeSet<&'a str>,
    added: BTreeSet<String>,
    new_chunks: Vec<(String, Vec<u8>)>,
    /// How many of them are `new-<i>` (to hash on the page).
    unhashed: usize,
}

impl ChunkSet<'_> {
    /// The chunk's name (its sha-256), keeping its bytes if they are new.
    fn add(&mut self, bytes: &[u8]) -> String {
        let hash = sha256_hex(bytes);
        if !self.stored.contains(hash.as_str()) && self.added.insert(hash.clone()) {
            self.new_chunks.push((hash.clone(), bytes.to_vec()));
        }
        hash
    }

    /// A chunk the page hashes: named `new-<i>` until then.
    fn add_unhashed(&mut self, bytes: &[u8]) -> String {
        let name = format!("{NEW_CHUNK_PREFIX}{}", self.unhashed);
        self.unhashed += 1;
        self.new_chunks.push((name.clone(), bytes.to_vec()));
        name
    }
}

/// The manifest with each `new-<i>` replaced by `names[i]`; refused unless
/// there is exactly one sound name (64 lower-case hex digits) per such chunk.
fn name_new_chunks(mut manifest: Manifest, unhashed: usize, names: &[String]) -> Result<Manifest, String> {
    if names.len() != unhashed {
        return Err(format!("the page named {} chunks of the {unhashed} the save left to name", names.len()));
    }
    let sound = |name: &String| {
        name.len() == CHUNK_NAME_LEN && name.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    if let Some(bad) = names.iter().find(|name| !sound(name)) {
        return Err(format!("the page named a chunk {bad:?}, not a sha-256"));
    }
    for chunk in manifest.files.iter_mut().flat_map(|file| file.chunks.iter_mut()) {
        if let Some(index) = chunk.strip_prefix(NEW_CHUNK_PREFIX) {
            let index: usize = index.parse().map_err(|_| format!("a plan names chunk {chunk:?}"))?;
            *chunk = names.get(index).ok_or_else(|| format!("no name for chunk {chunk:?}"))?.clone();
        }
    }
    Ok(manifest)
}

/// A save handed to the page and not yet landed.
#[derive(Debug)]
struct InFlight {
    manifest: Manifest,
    /// Its `new-<i>` chunks, which the page names.
    unhashed: usize,
    carried: DbChanges,
}

/// One site's saves as this worker knows them.
#[derive(Debug, Default)]
pub struct SiteSaver {
    /// The last save that landed: the base of the next one.
    landed: Option<Manifest>,
    /// Planned and being written, with how many new chunks it added and the
    /// DB changes it carries (given back if it fails, so a failed save loses nothing).
    in_flight: Option<InFlight>,
    /// The number of the last save planned. Never given twice, even after a
    /// failed save: a write the page gave up on may still land late, and
    /// must not replace a newer save of the same number.
    last_planned_seq: u64,
    /// DB changes since the save in flight, or since `landed`.
    db_changes: DbChanges,
    pub last_error: Option<String>,
}

/// The state a plan is made of (read from the healthy runtime between requests).
pub struct SaveInputs<'a> {
    pub profile: &'a Profile,
    pub db: &'a [u8],
    pub jar: &'a CookieJar,
    pub plugins: &'a [TrackedPlugin],
    pub request: u64,
    pub now_ms: f64,
}

impl SiteSaver {
    /// Starts from a save loaded at boot (its chunks are in the store).
    pub fn resume(loaded: Option<Manifest>) -> Self {
        SiteSaver { landed: loaded, ..SiteSaver::default() }
    }

    pub fn landed(&self) -> Option<&Manifest> {
        self.landed.as_ref()
    }

    pub fn is_saving(&self) -> bool {
        self.in_flight.is_some()
    }

    /// The number of the save being written, if one is.
    pub fn in_flight_seq(&self) -> Option<u64> {
        self.in_flight.as_ref().map(|flight| flight.manifest.seq)
    }

    /// What the next plan hashes of the DB again (for tests).
    #[cfg(test)]
    pub fn db_changes(&self) -> &DbChanges {
        &self.db_changes
    }

    /// The DB is, byte for byte, the one the landed save holds.
    pub fn db_unchanged(&mut self) {
        if self.landed.is_some() && self.in_flight.is_none() {
            self.db_changes = DbChanges::Ranges(Vec::new());
        }
    }

    /// The checkpointer copied these DB ranges (`None`: the whole DB).
    pub fn db_written(&mut self, ranges: Option<&[(u64, u64)]>) {
        match ranges {
            Some(ranges) => self.db_changes.add(ranges),
            None => self.db_changes = DbChanges::All,
        }
    }

    /// A plan if anything differs from the last save, else `None`.
    pub fn plan<R: PhpRuntime>(&mut self, runtime: &R, inputs: &SaveInputs) -> Result<Option<SavePlan>, PhpError> {
        if self.in_flight.is_some() {
            return Ok(None);
        }
        let base = self.landed.as_ref();
        let base_files: BTreeMap<&str, &SavedFile> =
            base.map(|m| m.files.iter().map(|f| (f.path.as_str(), f)).collect()).unwrap_or_default();
        let stored = base
            .map(|m| m.files.iter().flat_map(|f| f.chunks.iter().map(String::as_str)).collect())
            .unwrap_or_default();
        let mut chunks = ChunkSet { stored, added: BTreeSet::new(), new_chunks: Vec::new(), unhashed: 0 };
        let db_path = inputs.profile.db_file.as_str();
        let mut files = vec![self.plan_db(db_path, inputs.db, base_files.get(db_path).copied(), &mut chunks)];
        let sqlite_side = |path: &str| ["-journal", "-wal", "-shm"].iter().any(|s| path == format!("{db_path}{s}"));
        let mut dirs = Vec::new();
        let mut walked = Vec::new();
        for root in crate::restore::state_roots(inputs.profile, inputs.plugins) {
            walk(runtime, &root, &mut walked, &mut dirs)?;
        }
        walked.retain(|(path, _)| path != db_path && !sqlite_side(path));
        walked.sort_by(|a, b| a.0.cmp(&b.0));
        walked.dedup_by(|a, b| a.0 == b.0);
        for (path, stat) in walked {
            let unchanged = base_files
                .get(path.as_str())
                .filter(|saved| saved.size == stat.size && saved.mtime_ms == stat.mtime_ms && stat.mtime_ms != 0.0);
            if let Some(saved) = unchanged {
                files.push((*saved).clone());
                continue;
            }
            let bytes = runtime.read_file(&path)?;
            let names = bytes.chunks(CHUNK).map(|piece| chunks.add(piece)).collect();
            files.push(SavedFile { path, size: bytes.len() as u64, chunks: names, mtime_ms: stat.mtime_ms });
        }
        dirs.sort();
        dirs.dedup();
        let plugins: Vec<SavedPlugin> =
            inputs.plugins.iter().map(|p| SavedPlugin { component: p.component.clone(), dir: p.dir.clone() }).collect();
        let cookies = inputs.jar.all().clone();
        if let Some(base) = base {
            let same = chunks.new_chunks.is_empty()
                && base.files == files
                && base.dirs == dirs
                && base.cookies == cookies
                && base.plugins == plugins;
            if same {
                self.db_changes = DbChanges::Ranges(Vec::new());
                return Ok(None);
            }
        }
        let manifest = Manifest {
            format: FORMAT,
            profile: inputs.profile.name.to_string(),
            seq: self.last_planned_seq.max(base.map_or(0, |m| m.seq)) + 1,
            saved_at_ms: inputs.now_ms,
            request: inputs.request,
            bytes: files.iter().map(|f| f.size).sum(),
            files,
            dirs,
            cookies,
            plugins,
        };
        self.last_planned_seq = manifest.seq;
        let carried = std::mem::replace(&mut self.db_changes, DbChanges::Ranges(Vec::new()));
        self.in_flight = Some(InFlight { manifest: manifest.clone(), unhashed: chunks.unhashed, carried });
        Ok(Some(SavePlan { manifest, new_chunks: chunks.new_chunks }))
    }

    /// The DB's chunk list: chunks no write touched keep their hash.
    fn plan_db(&self, path: &str, db: &[u8], base: Option<&SavedFile>, chunks: &mut ChunkSet) -> SavedFile {
        let dirty = |index: usize| -> bool {
            let (start, end) = ((index * CHUNK) as u64, ((index + 1) * CHUNK) as u64);
            match (&self.db_changes, base) {
                (DbChanges::Ranges(ranges), Some(_)) => ranges.iter().any(|&(s, e)| s < end && e > start),
                _ => true,
            }
        };
        let names = db
            .chunks(CHUNK)
            .enumerate()
            .map(|(index, chunk)| {
                let previous = base.and_then(|b| b.chunks.get(index));
                // The file's last chunk grows or shrinks with the file.
                let same_length =
                    base.is_some_and(|b| (b.size as usize).saturating_sub(index * CHUNK).min(CHUNK) == chunk.len());
                match previous {
                    Some(hash) if !dirty(index) && same_length => hash.clone(),
                    _ => chunks.add_unhashed(chunk),
                }
            })
            .collect();
        SavedFile { path: path.to_string(), size: db.len() as u64, chunks: names, mtime_ms: 0.0 }
    }

    /// The page wrote the plan, naming its new chunks in order (`Ok`), or
    /// could not (`Err`, said to the user). Names that do not fit the plan
    /// count as a failed save.
    pub fn landed_result(&mut self, result: Result<Vec<String>, String>) {
        let Some(InFlight { manifest, unhashed, carried }) = self.in_flight.take() else { return };
        match result.and_then(|names| name_new_chunks(manifest, unhashed, &names)) {
            Ok(manifest) => {
                self.landed = Some(manifest);
                self.last_error = None;
            }
            Err(reason) => {
                self.db_changes.merge(carried);
                self.last_error = Some(reason);
            }
        }
    }
}

/// A save read back by the store: the manifest and each file's bytes
/// (the store checked every chunk's hash).
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedSave {
    pub manifest: Manifest,
    pub files: Vec<(String, Vec<u8>)>,
}

impl LoadedSave {
    /// Refuses a save this worker must not restore, saying why.
    pub fn check(manifest_json: &str, profile: &Profile) -> Result<Manifest, String> {
        let manifest: Manifest =
            serde_json::from_str(manifest_json).map_err(|e| format!("the saved manifest cannot be read: {e}"))?;
        if manifest.format > FORMAT {
            return Err(format!(
                "the save has format {}, newer than this playground's {FORMAT}: open it with a newer playground",
                manifest.format
            ));
        }
        if manifest.profile != profile.name {
            return Err(format!("the save is of the {:?} site, not {:?}", manifest.profile, profile.name));
        }
        check_paths(&manifest, profile)?;
        Ok(manifest)
    }

    /// The saved files and folders as a mirror to restore.
    pub fn mirror(&self) -> crate::mirror::Mirror {
        let mirror = crate::mirror::Mirror::default();
        for dir in &self.manifest.dirs {
            mirror.put_dir(dir);
        }
        for (path, bytes) in &self.files {
            mirror.put(path, bytes.clone());
        }
        mirror
    }

    pub fn jar(&self) -> CookieJar {
        CookieJar::from_map(self.manifest.cookies.clone())
    }

    pub fn plugins(&self) -> Vec<TrackedPlugin> {
        self.manifest.plugins().collect()
    }
}

/// A save (of this store, or a zip someone brings) restores only into the
/// site's state: the DB, the uploads, the extra state folders, and folders of
/// plugins directly inside one of the profile's plugin-type folders. Anything
/// else (the code tree, the PHP host's own folders) is refused, named.
fn check_paths(manifest: &Manifest, profile: &Profile) -> Result<(), String> {
    let plugin_parents: Vec<String> =
        profile.plugin_types.iter().map(|(_, dir)| format!("{}/{dir}", profile.webroot)).collect();
    for plugin in &manifest.plugins {
        let parent = plugin.dir.rsplit_once('/').map(|(parent, _)| parent);
        let sound = !plugin.dir.split('/').any(|part| part == ".." || part == ".")
            && parent.is_some_and(|parent| plugin_parents.iter().any(|p| p == parent));
        if !sound {
            return Err(format!("the save names a plugin folder outside the site's plugin folders: {}", plugin.dir));
        }
    }
    let roots = crate::restore::state_roots(profile, &manifest.plugins().collect::<Vec<_>>());
    let db_files = profile.db_files();
    let inside = |path: &str| {
        !path.split('/').any(|part| part == ".." || part == ".")
            && (db_files.iter().any(|db| db == path)
                || roots.iter().any(|root| path == root || path.starts_with(&format!("{root}/"))))
    };
    if let Some(path) = manifest
        .files
        .iter()
        .map(|f| f.path.as_str())
        .chain(manifest.dirs.iter().map(String::as_str))
        .find(|p| !inside(p))
    {
        return Err(format!("the save holds {path}, which is outside the site's data"));
    }
    Ok(())
}

/// Every file (with its stat) and folder below `root`, itself included.
fn walk<R: PhpRuntime>(
    runtime: &R,
    root: &str,
    files: &mut Vec<(String, crate::php::FileStat)>,
    dirs: &mut Vec<String>,
) -> Result<(), PhpError> {
    let Some(stat) = runtime.stat(root)? else { return Ok(()) };
    if !stat.is_dir {
        files.push((root.to_string(), stat));
        return Ok(());
    }
    dirs.push(root.to_string());
    for name in runtime.read_dir(root)? {
        walk(runtime, &format!("{root}/{name}"), files, dirs)?;
    }
    Ok(())
}

/// How the page shows a save.
pub fn summary(manifest: &Manifest) -> crate::protocol::SaveSummary {
    crate::protocol::SaveSummary {
        saved_at_ms: manifest.saved_at_ms,
        request: manifest.request,
        bytes: manifest.bytes,
        files: manifest.files.len() as u32,
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Plays the page in native tests: names each `new-<i>` chunk by its
/// sha-256, keeps every chunk written and the newest manifest, reads the newest back.
#[cfg(test)]
#[derive(Default)]
pub struct MemoryStore {
    chunks: BTreeMap<String, Vec<u8>>,
    manifest: Option<Manifest>,
}

#[cfg(test)]
impl MemoryStore {
    /// Writes the plan; returns its new chunks' names, for `landed_result`.
    pub fn write(&mut self, plan: &SavePlan) -> Vec<String> {
        let names = chunk_names(plan);
        for (name, bytes) in &plan.new_chunks {
            let name = if name.starts_with(NEW_CHUNK_PREFIX) { sha256_hex(bytes) } else { name.clone() };
            self.chunks.insert(name, bytes.clone());
        }
        self.manifest = Some(name_new_chunks(plan.manifest.clone(), names.len(), &names).expect("names fit the plan"));
        names
    }

    pub fn load(&self) -> LoadedSave {
        let manifest = self.manifest.clone().expect("a save was written");
        let files = manifest
            .files
            .iter()
            .map(|f| (f.path.clone(), f.chunks.iter().flat_map(|h| self.chunks[h].clone()).collect()))
            .collect();
        LoadedSave { manifest, files }
    }
}

/// The names the page gives a plan's `new-<i>` chunks: their sha-256, in order.
#[cfg(test)]
pub fn chunk_names(plan: &SavePlan) -> Vec<String> {
    plan.new_chunks.iter().filter(|(name, _)| name.starts_with(NEW_CHUNK_PREFIX)).map(|(_, b)| sha256_hex(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::FakeRuntime;
    use crate::profile::moodle;
    use crate::sqlite;

    fn inputs<'a>(profile: &'a Profile, db: &'a [u8], jar: &'a CookieJar, request: u64) -> SaveInputs<'a> {
        SaveInputs { profile, db, jar, plugins: &[], request, now_ms: 1000.0 * request as f64 }
    }

    /// What each saver test starts from: the stand-in's profile, an empty
    /// runtime and cookie jar, a saver that has saved nothing, an empty store.
    struct Start {
        profile: Profile,
        runtime: FakeRuntime,
        jar: CookieJar,
        saver: SiteSaver,
        store: MemoryStore,
    }

    fn start() -> Start {
        Start {
            profile: moodle::profile(),
            runtime: FakeRuntime::default(),
            jar: CookieJar::default(),
            saver: SiteSaver::default(),
            store: MemoryStore::default(),
        }
    }

    #[test]
    fn a_family_of_db_writes_saves_only_the_chunks_written_and_loads_back_byte_for_byte() {
        let Start { profile, runtime, jar, mut saver, mut store } = start();
        let mut db = sqlite::sample_db(4096, 256); // 1 MiB: 16 chunks
        runtime.mkdir_tree(&format!("{}/ab", profile.uploads)).unwrap();
        runtime.write_file(&format!("{}/ab/file1", profile.uploads), b"an upload").unwrap();
        let plan = saver.plan(&runtime, &inputs(&profile, &db, &jar, 1)).unwrap().unwrap();
        assert_eq!(plan.manifest.files[0].chunks.len(), 16);
        let names = store.write(&plan);
        saver.landed_result(Ok(names));
        // Writes at the start, in the middle, across a chunk boundary, and growth at the end.
        for (request, (start, len)) in
            [(0usize, 100usize), (300_000, 10), (CHUNK - 5, 10), (db.len(), 5000)].iter().enumerate()
        {
            if *start + len > db.len() {
                db.resize(start + len, 0);
            }
            db[*start..start + len].fill(request as u8 + 1);
            saver.db_written(Some(&[(*start as u64, (*start + len) as u64)]));
            let plan = saver.plan(&runtime, &inputs(&profile, &db, &jar, request as u64 + 2)).unwrap().unwrap();
            let expected_chunks = (start / CHUNK..=(start + len - 1) / CHUNK).count();
            let db_chunks_taken = plan.manifest.files[0].chunks.iter().filter(|c| c.starts_with(NEW_CHUNK_PREFIX));
            assert_eq!(db_chunks_taken.count(), expected_chunks, "write at {start}+{len}");
            let names = store.write(&plan);
            saver.landed_result(Ok(names));
            let loaded = store.load();
            assert_eq!(loaded.files.iter().find(|(p, _)| *p == profile.db_file).unwrap().1, db);
        }
        assert_eq!(
            store.load().mirror().get(&format!("{}/ab/file1", profile.uploads)).unwrap().as_slice(),
            b"an upload"
        );
        assert!(saver.plan(&runtime, &inputs(&profile, &db, &jar, 9)).unwrap().is_none(), "nothing changed: no save");
    }

    /// The page names a plan's DB chunks; names that do not fit (too few, too
    /// many, not a sha-256) fail the save, which then loses nothing.
    #[test]
    fn names_the_page_gives_must_fit_the_plan_or_the_save_counts_as_failed() {
        let Start { profile, runtime, jar, mut saver, mut store } = start();
        let mut db = sqlite::sample_db(4096, 64); // 4 chunks
        let first = saver.plan(&runtime, &inputs(&profile, &db, &jar, 1)).unwrap().unwrap();
        let names = store.write(&first);
        assert_eq!(names.len(), 4, "every DB chunk of a first save is the page's to hash");
        assert!(first.manifest.files[0].chunks.iter().all(|c| c.starts_with(NEW_CHUNK_PREFIX)));
        saver.landed_result(Ok(names.clone()));
        assert_eq!(saver.landed().unwrap().files[0].chunks, names, "the landed manifest holds the page's names");
        db[70_000] = 7;
        let good = sha256_hex(&db[CHUNK..2 * CHUNK]);
        for (request, bad) in [
            vec![],
            vec![good.clone(), good.clone()],
            vec!["g".repeat(CHUNK_NAME_LEN)],
            vec![good.to_uppercase()],
            vec![good[..63].to_string()],
        ]
        .into_iter()
        .enumerate()
        {
            saver.db_written(Some(&[(70_000, 70_001)]));
            let plan = saver.plan(&runtime, &inputs(&profile, &db, &jar, 2 + request as u64)).unwrap().unwrap();
            assert_eq!(plan.new_chunks.len(), 1, "{bad:?}");
            saver.landed_result(Ok(bad.clone()));
            assert!(
                saver.last_error.as_deref().is_some_and(|e| e.contains("named")),
                "{bad:?}: {:?}",
                saver.last_error
            );
            assert_eq!(saver.landed().unwrap().seq, 1, "{bad:?}: not landed");
        }
        let plan = saver.plan(&runtime, &inputs(&profile, &db, &jar, 9)).unwrap().unwrap();
        saver.landed_result(Ok(store.write(&plan)));
        assert_eq!(saver.last_error, None);
        assert_eq!(store.load().files[0].1, db, "the failed saves' change is in the next one");
    }

    #[test]
    fn the_record_of_db_writes_stays_bounded_while_no_save_lands() {
        let mut changes = DbChanges::Ranges(Vec::new());
        for i in 0..MAX_DB_RANGES as u64 {
            changes.add(&[(i * 10, i * 10 + 1)]);
        }
        assert!(matches!(&changes, DbChanges::Ranges(r) if r.len() == MAX_DB_RANGES));
        changes.add(&[(0, 1)]);
        assert_eq!(changes, DbChanges::All, "past the bound: the whole DB is hashed again");
    }

    #[test]
    fn a_failed_save_loses_nothing_the_next_one_writes_it() {
        let Start { profile, runtime, mut jar, mut saver, mut store } = start();
        let mut db = sqlite::sample_db(4096, 64);
        let names = store.write(&saver.plan(&runtime, &inputs(&profile, &db, &jar, 1)).unwrap().unwrap());
        saver.landed_result(Ok(names));
        db[70_000] = 9;
        saver.db_written(Some(&[(70_000, 70_001)]));
        let failed = saver.plan(&runtime, &inputs(&profile, &db, &jar, 2)).unwrap().unwrap();
        assert!(saver.plan(&runtime, &inputs(&profile, &db, &jar, 2)).unwrap().is_none(), "one save at a time");
        saver.landed_result(Err("QuotaExceededError".into()));
        assert_eq!(saver.last_error.as_deref(), Some("QuotaExceededError"));
        drop(failed);
        jar.set("MoodleSession", "abc");
        let plan = saver.plan(&runtime, &inputs(&profile, &db, &jar, 3)).unwrap().unwrap();
        let names = store.write(&plan);
        saver.landed_result(Ok(names));
        let loaded = store.load();
        assert_eq!(loaded.files[0].1, db);
        assert_eq!(loaded.jar().get("MoodleSession"), Some("abc"));
        assert_eq!(saver.landed().unwrap().seq, 3, "the failed save's number is not given again");
    }

    #[test]
    fn a_deleted_upload_leaves_the_next_save_and_refusals_name_the_reason() {
        let Start { profile, runtime, jar, mut saver, .. } = start();
        let db = sqlite::sample_db(4096, 4);
        let upload = format!("{}/ab/gone", profile.uploads);
        runtime.mkdir_tree(&format!("{}/ab", profile.uploads)).unwrap();
        runtime.write_file(&upload, b"x").unwrap();
        let first = saver.plan(&runtime, &inputs(&profile, &db, &jar, 1)).unwrap().unwrap();
        saver.landed_result(Ok(chunk_names(&first)));
        runtime.unlink(&upload).unwrap();
        let plan = saver.plan(&runtime, &inputs(&profile, &db, &jar, 2)).unwrap().unwrap();
        assert!(plan.manifest.files.iter().all(|f| f.path != upload));
        let json = plan.manifest_json();
        assert!(LoadedSave::check(&json, &profile).is_ok());
        let other = json.replace("\"profile\":\"moodle\"", "\"profile\":\"mediawiki\"");
        assert!(LoadedSave::check(&other, &profile).unwrap_err().contains("mediawiki"));
        let newer = json.replace("\"format\":1", "\"format\":2");
        assert!(LoadedSave::check(&newer, &profile).unwrap_err().contains("newer"));
        assert!(LoadedSave::check("{\"format\":1", &profile).unwrap_err().contains("cannot be read"));
    }

    /// A save restores only into the site's data: a family of paths outside
    /// it (the code tree, the host's folders, climbing out with `..`, a
    /// plugin folder that is no plugin folder) is refused, each named; the
    /// site's own places are accepted.
    #[test]
    fn a_save_that_reaches_outside_the_site_data_is_refused_and_named() {
        let profile = moodle::profile();
        let runtime = FakeRuntime::default();
        let db = sqlite::sample_db(4096, 4);
        let plugin_dir = format!("{}/local/notes", profile.webroot);
        let plugins = [TrackedPlugin { component: "local_notes".into(), dir: plugin_dir.clone() }];
        runtime.mkdir_tree(&format!("{plugin_dir}/lang")).unwrap();
        runtime.write_file(&format!("{plugin_dir}/version.php"), b"<?php").unwrap();
        runtime.mkdir_tree(&format!("{}/ab", profile.uploads)).unwrap();
        runtime.write_file(&format!("{}/ab/upload", profile.uploads), b"x").unwrap();
        let jar = CookieJar::default();
        let inputs = SaveInputs { plugins: &plugins, ..inputs(&profile, &db, &jar, 1) };
        let manifest = SiteSaver::default().plan(&runtime, &inputs).unwrap().unwrap().manifest;
        let json = serde_json::to_string(&manifest).unwrap();
        assert!(LoadedSave::check(&json, &profile).is_ok(), "the site's own save is accepted");

        let outside = [
            format!("{}/config.php", profile.webroot),
            "/internal/shared/preload/evil.php".to_string(),
            format!("{}/../../etc/passwd", profile.uploads),
            format!("{}-other", profile.uploads),
            format!("{}/./x", profile.uploads),
        ];
        for path in outside {
            let mut bad = manifest.clone();
            bad.files[1].path = path.clone();
            let refusal = LoadedSave::check(&serde_json::to_string(&bad).unwrap(), &profile).unwrap_err();
            assert!(refusal.contains(&path), "{path}: {refusal}");
            let mut bad = manifest.clone();
            bad.dirs.push(path.clone());
            assert!(LoadedSave::check(&serde_json::to_string(&bad).unwrap(), &profile).is_err(), "folder {path}");
        }
        for dir in [
            profile.webroot.to_string(),
            format!("{}/lib", profile.webroot),
            format!("{}/local/../lib", profile.webroot),
            "/tmp/x".into(),
        ] {
            let mut bad = manifest.clone();
            bad.plugins[0].dir = dir.clone();
            let refusal = LoadedSave::check(&serde_json::to_string(&bad).unwrap(), &profile).unwrap_err();
            assert!(refusal.contains("plugin folder") && refusal.contains(&dir), "{dir}: {refusal}");
        }
    }
}
