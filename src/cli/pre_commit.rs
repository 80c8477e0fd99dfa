//! `diffward scan --pre-commit-push`: the pre-commit framework's pre-push stage.
//!
//! pre-commit reads git's pre-push lines itself and hands its hooks only environment variables:
//! `PRE_COMMIT_FROM_REF`/`PRE_COMMIT_TO_REF` for the first pushed branch that sends commits, and
//! no refs at all when that branch holds the repository's root commit (a first push), where it
//! runs its hooks on all files. This module turns them back into the pre-push line git would have
//! sent, so the scan takes the very path of `--pre-push`: every commit of the range, secrets
//! committed and deleted again included, and the same advice when the push is blocked.

/// What stands for a sha the remote does not have (a new branch), as git writes it.
const NULL_SHA: &str = "0000000000000000000000000000000000000000";

/// The pre-push ref line for what pre-commit is pushing, from its environment (`var` looks a
/// variable up; empty values count as unset, as pre-commit never sets one empty).
pub fn push_lines(var: impl Fn(&str) -> Option<String>) -> miette::Result<String> {
    let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    let (from, to) = (var("PRE_COMMIT_FROM_REF"), var("PRE_COMMIT_TO_REF"));
    let local_branch = var("PRE_COMMIT_LOCAL_BRANCH");
    let remote_branch = var("PRE_COMMIT_REMOTE_BRANCH");
    let inside =
        var("PRE_COMMIT").is_some() || from.is_some() || to.is_some() || local_branch.is_some();
    if !inside {
        return Err(miette::miette!(
            code = "diffward::usage",
            help = "use it as the `diffward-pre-push` hook of a .pre-commit-config.yaml; as git's own \
                    pre-push hook, run `diffward scan --pre-push \"$1\" \"$2\"` (or `diffward hook install`)",
            "--pre-commit-push runs inside pre-commit's pre-push stage, which sets PRE_COMMIT_FROM_REF \
             and PRE_COMMIT_TO_REF; none of pre-commit's variables is set"
        ));
    }
    // git's line: `<local ref> <local sha> <remote ref> <remote sha>`; only the shas matter to
    // `pushed_ranges`, the names are kept for whoever reads the line.
    let local_ref = word(local_branch.as_deref(), "HEAD");
    let remote_ref = word(remote_branch.as_deref(), "refs/heads/pushed");
    match (from, to) {
        (Some(from), Some(to)) => Ok(format!("{local_ref} {to} {remote_ref} {from}\n")),
        // A push with the root commit: the remote has none of it, so the branch is new and its
        // commits that no remote-tracking branch has are scanned, from the empty tree.
        (None, None) => Ok(format!("{local_ref} {local_ref} {remote_ref} {NULL_SHA}\n")),
        (Some(_), None) | (None, Some(_)) => Err(miette::miette!(
            code = "diffward::usage",
            help = "pass both, as pre-commit does: `pre-commit run --hook-stage pre-push --from-ref A --to-ref B`",
            "only one of PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF is set: the pushed range is unknown"
        )),
    }
}

/// A ref name fit for one field of a ref line (git's ref names hold no whitespace; anything
/// else falls back to `default`).
fn word<'a>(value: Option<&'a str>, default: &'a str) -> &'a str {
    value
        .filter(|v| !v.chars().any(char::is_whitespace))
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(vars: &[(&str, &str)]) -> miette::Result<String> {
        push_lines(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn a_range_becomes_the_line_of_an_updated_branch() {
        let got = lines(&[
            ("PRE_COMMIT", "1"),
            (
                "PRE_COMMIT_FROM_REF",
                "1111111111111111111111111111111111111111",
            ),
            (
                "PRE_COMMIT_TO_REF",
                "2222222222222222222222222222222222222222",
            ),
            ("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/feature"),
            ("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/main"),
        ])
        .unwrap();
        assert_eq!(
            got,
            "refs/heads/feature 2222222222222222222222222222222222222222 \
             refs/heads/main 1111111111111111111111111111111111111111\n"
        );
    }

    #[test]
    fn a_push_with_the_root_commit_becomes_a_new_branch_of_the_local_ref() {
        let got = lines(&[
            ("PRE_COMMIT", "1"),
            ("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/main"),
            ("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/main"),
            ("PRE_COMMIT_REMOTE_NAME", "origin"),
        ])
        .unwrap();
        assert_eq!(
            got,
            format!("refs/heads/main refs/heads/main refs/heads/main {NULL_SHA}\n")
        );
    }

    #[test]
    fn without_a_local_branch_head_is_pushed() {
        let got = lines(&[("PRE_COMMIT", "1")]).unwrap();
        assert_eq!(got, format!("HEAD HEAD refs/heads/pushed {NULL_SHA}\n"));
    }

    #[test]
    fn refs_alone_are_enough_and_empty_values_count_as_unset() {
        let got = lines(&[
            ("PRE_COMMIT_FROM_REF", "aaaa"),
            ("PRE_COMMIT_TO_REF", "bbbb"),
            ("PRE_COMMIT_LOCAL_BRANCH", ""),
        ])
        .unwrap();
        assert_eq!(got, "HEAD bbbb refs/heads/pushed aaaa\n");
    }

    #[test]
    fn outside_pre_commit_it_is_a_usage_error() {
        let err = lines(&[("PRE_COMMIT_FROM_REF", " ")]).unwrap_err();
        assert!(
            err.to_string().contains("none of pre-commit's variables"),
            "{err}"
        );
    }

    #[test]
    fn half_a_range_is_a_usage_error() {
        let err = lines(&[("PRE_COMMIT", "1"), ("PRE_COMMIT_TO_REF", "bbbb")]).unwrap_err();
        assert!(err.to_string().contains("only one of"), "{err}");
    }

    #[test]
    fn a_name_with_whitespace_cannot_shift_the_shas() {
        let got = lines(&[
            ("PRE_COMMIT_FROM_REF", "aaaa"),
            ("PRE_COMMIT_TO_REF", "bbbb"),
            ("PRE_COMMIT_LOCAL_BRANCH", "odd name"),
        ])
        .unwrap();
        assert_eq!(got, "HEAD bbbb refs/heads/pushed aaaa\n");
    }
}
