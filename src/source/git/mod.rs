//! Reading changes from git: a range, the index, or the uncommitted work tree.
//!
//! git is run with plumbing commands only and nothing the scanned repository configures may run:
//! no external diff drivers or textconv (`--no-ext-diff --no-textconv`), no fsmonitor hook, no
//! pager, no optional locks. Paths travel NUL-separated (`-z`) as bytes, so names with spaces,
//! newlines, unicode or a leading dash are safe (they never reach git as options).

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

pub mod history;
pub mod process;
pub mod provenance;

pub use process::GitProcess;

use super::{ChangeKind, ChangeSet, Content, FileChange, RepoInfo};
use crate::finding::Notification;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum GitError {
    #[error("not inside a git repository ({0})")]
    #[diagnostic(
        code(diffward::git),
        help("run diffward inside a git work tree, or scan files directly: `diffward scan PATH`")
    )]
    NotARepo(String),
    #[error("unknown revision `{0}`")]
    #[diagnostic(
        code(diffward::git),
        help("check the name, or fetch it first (for example `git fetch origin main`, or in CI `actions/checkout` with `fetch-depth: 0`)")
    )]
    UnknownRevision(String),
    #[error("`{0}` and `{1}` have no common ancestor")]
    #[diagnostic(
        code(diffward::git),
        help("the history is probably shallow: fetch more of it (`git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout)")
    )]
    NoMergeBase(String, String),
    #[error("could not run git: {0}")]
    #[diagnostic(code(diffward::git), help("install git and make sure it is on PATH"))]
    Spawn(String),
    #[error("git {args} failed: {stderr}")]
    #[diagnostic(code(diffward::git))]
    Failed { args: String, stderr: String },
}

/// A git repository, by its top-level folder.
pub struct Repo {
    pub root: PathBuf,
    /// The commit HEAD points at; `None` in a repository with no commit yet.
    pub head: Option<String>,
    /// How git is started here (every process through it).
    pub git: GitProcess,
}

fn run(git: &GitProcess, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let out = git
        .command(args)
        .output()
        .map_err(|e| GitError::Spawn(e.to_string()))?;
    if !out.status.success() {
        return Err(GitError::Failed {
            args: args.join(" "),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(out.stdout)
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes)
        .trim_end_matches('\n')
        .to_string()
}

impl Repo {
    /// The repository that contains `dir`, and its HEAD commit (one git call).
    pub fn discover(dir: &Path) -> Result<Repo, GitError> {
        let git = GitProcess::new(dir);
        let out = git
            .command(&[
                "rev-parse",
                "--show-toplevel",
                "--verify",
                "--quiet",
                "HEAD",
            ])
            .output()
            .map_err(|e| GitError::Spawn(e.to_string()))?;
        let mut lines = out.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty());
        let Some(top) = lines.next() else {
            let msg = String::from_utf8_lossy(&out.stderr).trim().to_string();
            return Err(GitError::NotARepo(if msg.is_empty() {
                dir.display().to_string()
            } else {
                msg
            }));
        };
        let head = lines
            .next()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .filter(|_| out.status.success());
        let root = PathBuf::from(OsStr::from_bytes(top));
        Ok(Repo {
            git: git.in_dir(&root),
            root,
            head,
        })
    }

    /// `git <cmd> <args>` as NUL-separated raw output with renames, and with nothing the
    /// repository configures for diffs (external drivers, textconv) allowed to run.
    fn raw_diff(&self, cmd_and_args: &[&str]) -> Result<Vec<u8>, GitError> {
        let (cmd, args) = cmd_and_args.split_first().expect("a git command");
        let mut all = vec![
            *cmd,
            "-r",
            "-z",
            "-M",
            "--raw",
            "--no-ext-diff",
            "--no-textconv",
        ];
        all.extend_from_slice(args);
        self.git(&all)
    }

    fn git(&self, args: &[&str]) -> Result<Vec<u8>, GitError> {
        run(&self.git, args)
    }

    /// The full commit id of a revision.
    pub fn resolve(&self, rev: &str) -> Result<String, GitError> {
        let spec = format!("{rev}^{{commit}}");
        self.git(&[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ])
        .map(text)
        .map_err(|_| GitError::UnknownRevision(rev.to_string()))
    }

    /// The tree to compare against when HEAD does not exist yet (a repository with no commit).
    fn empty_tree(&self) -> Result<String, GitError> {
        let mut child = self
            .git
            .command(&["hash-object", "-t", "tree", "--stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| GitError::Spawn(e.to_string()))?;
        drop(child.stdin.take());
        let out = child
            .wait_with_output()
            .map_err(|e| GitError::Spawn(e.to_string()))?;
        Ok(text(out.stdout))
    }

    pub fn info(&self, revision: Option<String>) -> RepoInfo {
        let remote_url = self
            .git(&["config", "--get", "remote.origin.url"])
            .ok()
            .map(text)
            .filter(|s| !s.is_empty())
            .map(|u| remote_uri(&u, &self.root));
        let branch = self
            .git(&["symbolic-ref", "--quiet", "--short", "HEAD"])
            .ok()
            .map(text)
            .filter(|s| !s.is_empty());
        let revision = revision.or_else(|| self.head.clone());
        RepoInfo {
            remote_url,
            revision,
            branch,
        }
    }

    /// The change from the merge-base of `base` and `head` to `head`, as a pull request shows it.
    pub fn range(&self, base: &str, head: &str) -> Result<ChangeSet, GitError> {
        let base_id = self.resolve(base)?;
        let head_id = self.resolve(head)?;
        let mb = self
            .git(&["merge-base", &base_id, &head_id])
            .map(text)
            .map_err(|_| GitError::NoMergeBase(base.to_string(), head.to_string()))?;
        let raw = self.raw_diff(&["diff-tree", &mb, &head_id])?;
        self.changeset(
            &raw,
            ChangeKind::Range {
                base: mb,
                head: head_id,
            },
            false,
        )
    }

    /// The ranges a push sends, from git's pre-push lines
    /// (`<local ref> <local oid> <remote ref> <remote oid>`): `(base, head)` pairs whose base is a
    /// commit or, for a branch with no ancestor on the remote, the empty tree.
    pub fn pushed_ranges(&self, lines: &str) -> Result<Vec<(String, String)>, GitError> {
        let mut out = Vec::new();
        for line in lines.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            let [_, local, _, remote] = f[..] else {
                continue;
            };
            if is_null(local) {
                continue; // a deleted branch sends no code
            }
            if !is_null(remote) && self.resolve(remote).is_ok() {
                out.push((remote.to_string(), local.to_string()));
                continue;
            }
            // A new branch: scan the commits that no remote-tracking branch has.
            let new = text(self.git(&[
                "rev-list",
                "--topo-order",
                "--reverse",
                local,
                "--not",
                "--remotes",
            ])?);
            let Some(oldest) = new.lines().next() else {
                continue;
            };
            let base = match self.resolve(&format!("{oldest}^")) {
                Ok(parent) => parent,
                Err(_) => self.empty_tree()?,
            };
            out.push((base, local.to_string()));
        }
        Ok(out)
    }

    /// Like `range`, but `base` may also be a tree (the empty tree, for a history's first commit).
    pub fn range_from(&self, base: &str, head: &str) -> Result<ChangeSet, GitError> {
        if self.resolve(base).is_ok() {
            return self.range(base, head);
        }
        let head_id = self.resolve(head)?;
        let raw = self.raw_diff(&["diff-tree", base, &head_id])?;
        self.changeset(
            &raw,
            ChangeKind::Range {
                base: base.to_string(),
                head: head_id,
            },
            false,
        )
    }

    /// Every commit up to HEAD, as one range from the empty tree: what a first push sends.
    pub fn whole_history(&self) -> Result<ChangeSet, GitError> {
        let head = self
            .head
            .clone()
            .ok_or_else(|| GitError::UnknownRevision("HEAD".into()))?;
        self.range_from(&self.empty_tree()?, &head)
    }

    /// The index against HEAD: what `git commit` would record.
    pub fn staged(&self) -> Result<ChangeSet, GitError> {
        let head = match &self.head {
            Some(h) => h.clone(),
            None => self.empty_tree()?,
        };
        let raw = self.raw_diff(&["diff-index", "--cached", &head])?;
        self.changeset(&raw, ChangeKind::Staged, false)
    }

    /// Staged, unstaged and untracked (not ignored) changes against HEAD.
    pub fn uncommitted(&self) -> Result<ChangeSet, GitError> {
        let head = match &self.head {
            Some(h) => h.clone(),
            None => self.empty_tree()?,
        };
        // Listing untracked files walks the whole work tree: run it beside the diff.
        let untracked = self
            .git
            .command(&["ls-files", "-z", "--others", "--exclude-standard"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| GitError::Spawn(e.to_string()))?;
        let raw = self.raw_diff(&["diff-index", &head])?;
        let mut cs = self.changeset(&raw, ChangeKind::Uncommitted, true)?;
        let out = untracked
            .wait_with_output()
            .map_err(|e| GitError::Spawn(e.to_string()))?;
        if !out.status.success() {
            return Err(GitError::Failed {
                args: "ls-files --others".into(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        for name in out.stdout.split(|&b| b == 0).filter(|n| !n.is_empty()) {
            cs.files.push(FileChange {
                path: String::from_utf8_lossy(name).into_owned(),
                old_path: None,
                old: Content::Absent,
                new: Content::Disk(self.root.join(OsStr::from_bytes(name))),
                hunks: None,
            });
        }
        cs.files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(cs)
    }

    /// Turn `--raw -z` output into file changes, reading blobs in one `cat-file --batch`.
    fn changeset(
        &self,
        raw: &[u8],
        kind: ChangeKind,
        worktree: bool,
    ) -> Result<ChangeSet, GitError> {
        let entries = parse_raw(raw);
        let mut notifications = Vec::new();
        let mut wanted = Vec::new();
        for e in &entries {
            for (mode, sha) in [(&e.old_mode, &e.old_sha), (&e.new_mode, &e.new_sha)] {
                if is_regular(mode) && !is_null(sha) {
                    wanted.push(sha.clone());
                }
            }
        }
        let mut blobs = self.read_blobs(&wanted)?;
        let mut files = Vec::new();
        for e in entries {
            let path = e.new_path.clone().unwrap_or_else(|| e.old_path.clone());
            let path_str = String::from_utf8_lossy(&path).into_owned();
            if e.old_mode == "160000" || e.new_mode == "160000" {
                continue; // submodule pointer: its contents are another repository's
            }
            if (!e.old_mode.starts_with("000") && !is_regular(&e.old_mode))
                || (!e.new_mode.starts_with("000") && !is_regular(&e.new_mode))
            {
                notifications.push(Notification {
                    path: path_str,
                    message: "skipped: not a regular file (symbolic link)".into(),
                });
                continue;
            }
            let side = |mode: &str, sha: &str, blobs: &mut HashMap<String, Vec<u8>>| -> Content {
                if mode.starts_with("000") {
                    Content::Absent
                } else if is_null(sha) {
                    Content::Disk(self.root.join(OsStr::from_bytes(&path)))
                } else {
                    blobs
                        .get(sha)
                        .cloned()
                        .map_or(Content::Absent, Content::Bytes)
                }
            };
            // A blob git cannot give (a partial clone that would have to fetch it, which
            // diffward never lets git do) must not pass for an absent side.
            let missing = [(&e.old_mode, &e.old_sha), (&e.new_mode, &e.new_sha)]
                .iter()
                .any(|(m, s)| is_regular(m) && !is_null(s) && !blobs.contains_key(s.as_str()));
            if missing {
                notifications.push(Notification {
                    path: path_str,
                    message: "skipped: git does not have this file's content locally (a partial or shallow clone?): fetch it, e.g. `git fetch --refetch` or actions/checkout without `filter`".into(),
                });
                continue;
            }
            let old = side(&e.old_mode, &e.old_sha, &mut blobs);
            let mut new = side(&e.new_mode, &e.new_sha, &mut blobs);
            if worktree && e.status == 'D' {
                new = Content::Absent;
            }
            let old_path = (e.status == 'R' || e.status == 'C')
                .then(|| String::from_utf8_lossy(&e.old_path).into_owned());
            files.push(FileChange {
                path: path_str,
                old_path,
                old,
                new,
                hunks: None,
            });
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let context = self.context_lockfiles(&files, &kind)?;
        Ok(ChangeSet {
            root: self.root.clone(),
            kind,
            files,
            notifications,
            repo: None,
            context,
        })
    }

    /// The lockfiles, as they are on the new side, in the folder of each changed manifest and
    /// the folders above it (a workspace's lockfile is at its root), that the change itself
    /// does not touch: whether they resolve a new dependency is what tells a package that was
    /// installed from a name that only was written down.
    fn context_lockfiles(
        &self,
        files: &[FileChange],
        kind: &ChangeKind,
    ) -> Result<Vec<FileChange>, GitError> {
        use crate::analyzers::{FileKind, Role};
        let changed: std::collections::HashSet<&str> =
            files.iter().map(|f| f.path.as_str()).collect();
        let mut wanted = std::collections::BTreeSet::new();
        for f in files.iter().filter(|f| !f.new.is_absent()) {
            let Some(k) = FileKind::of(&f.path).filter(|k| k.role() == Role::Manifest) else {
                continue;
            };
            let own = f.path.rsplit_once('/').map_or("", |(d, _)| d);
            let mut dir = own;
            loop {
                for name in FileKind::lockfile_names(k.ecosystem()) {
                    // a folder above holds only a workspace's lockfile
                    let covers = FileKind::of(name).is_some_and(FileKind::covers_subfolders);
                    if dir != own && !covers {
                        continue;
                    }
                    let p = if dir.is_empty() {
                        name.to_string()
                    } else {
                        format!("{dir}/{name}")
                    };
                    if !changed.contains(p.as_str()) {
                        wanted.insert(p);
                    }
                }
                if dir.is_empty() {
                    break;
                }
                dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
            }
        }
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let context = |path: String, new: Content| FileChange {
            path,
            old_path: None,
            old: Content::Absent,
            new,
            hunks: None,
        };
        let rev = match kind {
            ChangeKind::Range { head, .. } => head.clone(),
            ChangeKind::Staged => String::new(), // `:path` names the index's entry
            _ => {
                return Ok(wanted
                    .into_iter()
                    .filter(|p| self.root.join(p).is_file())
                    .map(|p| {
                        let disk = Content::Disk(self.root.join(&p));
                        context(p, disk)
                    })
                    .collect())
            }
        };
        let names: Vec<String> = wanted.iter().map(|p| format!("{rev}:{p}")).collect();
        let blobs = self.read_objects(&names)?;
        Ok(wanted
            .into_iter()
            .zip(blobs)
            .filter_map(|(p, b)| Some(context(p, Content::Bytes(b?))))
            .collect())
    }

    /// Objects by name (`rev:path`), in order; `None` for one git does not have.
    fn read_objects(&self, names: &[String]) -> Result<Vec<Option<Vec<u8>>>, GitError> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut child = self
            .git
            .command(&["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| GitError::Spawn(e.to_string()))?;
        let input: String = names.iter().map(|n| format!("{n}\n")).collect();
        let mut stdin = child.stdin.take().expect("piped");
        // Write on another thread so a large answer cannot block us both.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        let mut data = Vec::new();
        child
            .stdout
            .take()
            .expect("piped")
            .read_to_end(&mut data)
            .map_err(|e| GitError::Spawn(e.to_string()))?;
        let _ = writer.join();
        let _ = child.wait();
        let mut out = Vec::with_capacity(names.len());
        let mut pos = 0;
        while pos < data.len() && out.len() < names.len() {
            let Some(nl) = data[pos..].iter().position(|&b| b == b'\n') else {
                break;
            };
            let header = String::from_utf8_lossy(&data[pos..pos + nl]).into_owned();
            pos += nl + 1;
            let mut parts = header.rsplitn(3, ' ');
            let last = parts.next().unwrap_or_default();
            if last == "missing" || last == "ambiguous" {
                out.push(None);
                continue;
            }
            let size: usize = last.parse().unwrap_or(0);
            let is_blob = parts.next() == Some("blob");
            let end = (pos + size).min(data.len());
            out.push(is_blob.then(|| data[pos..end].to_vec()));
            pos = end + 1;
        }
        out.resize(names.len(), None);
        Ok(out)
    }

    /// Blobs by id, in one `cat-file --batch`; an id git does not have is left out.
    /// A file's bytes at a revision (`None` when the revision or the file does not exist, or
    /// `rev` is a tree such as the empty one).
    pub fn file_at(&self, rev: &str, path: &str) -> Option<Vec<u8>> {
        let name = format!("{rev}:{path}");
        self.read_objects(&[name])
            .ok()?
            .into_iter()
            .next()
            .flatten()
    }

    /// The files renamed since commit `from`, up to `to` (the work tree when `None`):
    /// (path then, path now). Renames are followed commit by commit, as `git log` finds them,
    /// so a file renamed in one commit and rewritten in another is still followed.
    pub fn renames_since(
        &self,
        from: &str,
        to: Option<&str>,
    ) -> Result<Vec<(String, String)>, GitError> {
        let tip = match to {
            Some(t) => t.to_string(),
            None => self.head.clone().unwrap_or_else(|| from.to_string()),
        };
        let range = format!("{from}..{tip}");
        let mut steps = parse_raw(&self.raw_diff(&[
            "log",
            "--reverse",
            "--diff-filter=R",
            "--format=",
            "--end-of-options",
            &range,
        ])?);
        if to.is_none() && self.head.is_some() {
            steps.extend(parse_raw(&self.raw_diff(&[
                "diff-index",
                "--end-of-options",
                &tip,
            ])?));
        }
        let mut chains: Vec<(String, String)> = Vec::new();
        for e in steps.into_iter().filter(|e| e.status == 'R') {
            let (Some(new_path), old) = (e.new_path, e.old_path) else {
                continue;
            };
            let old = String::from_utf8_lossy(&old).into_owned();
            let new = String::from_utf8_lossy(&new_path).into_owned();
            match chains.iter_mut().find(|(_, now)| *now == old) {
                Some(chain) => chain.1 = new,
                None => chains.push((old, new)),
            }
        }
        Ok(chains)
    }

    fn read_blobs(&self, shas: &[String]) -> Result<HashMap<String, Vec<u8>>, GitError> {
        Ok(shas
            .iter()
            .cloned()
            .zip(self.read_objects(shas)?)
            .filter_map(|(sha, blob)| Some((sha, blob?)))
            .collect())
    }
}

/// A remote as an absolute URI for SARIF: credentials dropped, scp-like `host:path` as `ssh://`,
/// a local path as `file://`.
fn remote_uri(url: &str, root: &Path) -> String {
    if url.contains("://") {
        return strip_credentials(url);
    }
    let looks_scp = url
        .split_once(':')
        .is_some_and(|(host, _)| !host.is_empty() && !host.contains('/') && host.len() > 1);
    if looks_scp {
        let (host, path) = url.split_once(':').unwrap_or((url, ""));
        let host = host.rsplit('@').next().unwrap_or(host);
        return format!("ssh://{host}/{}", path.trim_start_matches('/'));
    }
    let path = Path::new(url);
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        root.join(path)
    };
    let encoded = super::encode_uri_path(&abs.to_string_lossy());
    format!(
        "file://{}",
        if encoded.starts_with('/') {
            encoded
        } else {
            format!("/{encoded}")
        }
    )
}

/// Drop `user:password@` from a remote URL before it is written into a report.
fn strip_credentials(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some(at) = rest.find('@') {
            let slash = rest.find('/').unwrap_or(rest.len());
            if at < slash {
                return format!("{scheme}://{}", &rest[at + 1..]);
            }
        }
    }
    url.to_string()
}

fn is_regular(mode: &str) -> bool {
    mode == "100644" || mode == "100755" || mode == "100664"
}

fn is_null(sha: &str) -> bool {
    sha.bytes().all(|b| b == b'0')
}

struct RawEntry {
    old_mode: String,
    new_mode: String,
    old_sha: String,
    new_sha: String,
    status: char,
    old_path: Vec<u8>,
    new_path: Option<Vec<u8>>,
}

/// Parse `git diff --raw -z`: `:old new oldsha newsha STATUS\0path\0[path2\0]`.
fn parse_raw(raw: &[u8]) -> Vec<RawEntry> {
    let mut fields = raw.split(|&b| b == 0);
    let mut out = Vec::new();
    while let Some(meta) = fields.next() {
        if meta.is_empty() {
            continue;
        }
        let meta = String::from_utf8_lossy(meta);
        let mut m = meta.trim_start_matches(':').split(' ');
        let (Some(om), Some(nm), Some(os), Some(ns), Some(st)) =
            (m.next(), m.next(), m.next(), m.next(), m.next())
        else {
            break;
        };
        let status = st.chars().next().unwrap_or('M');
        let Some(p1) = fields.next() else { break };
        let p2 = if status == 'R' || status == 'C' {
            fields.next().map(<[u8]>::to_vec)
        } else {
            None
        };
        out.push(RawEntry {
            old_mode: om.to_string(),
            new_mode: nm.to_string(),
            old_sha: os.to_string(),
            new_sha: ns.to_string(),
            status,
            old_path: p1.to_vec(),
            new_path: p2,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_become_absolute_uris() {
        let root = Path::new("/src/app");
        assert_eq!(
            remote_uri("git@github.com:o/r.git", root),
            "ssh://github.com/o/r.git"
        );
        assert_eq!(remote_uri("/srv/git/r.git", root), "file:///srv/git/r.git");
        assert_eq!(remote_uri("../r", root), "file:///src/app/../r");
        assert_eq!(
            remote_uri("https://t:x@github.com/o/r", root),
            "https://github.com/o/r"
        );
    }

    #[test]
    fn credentials_are_dropped_from_remote_urls() {
        assert_eq!(
            strip_credentials("https://user:pw@host/r.git"),
            "https://host/r.git"
        );
        assert_eq!(strip_credentials("git@host:r.git"), "git@host:r.git");
    }
}
