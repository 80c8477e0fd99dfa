//! The structured files the analyzers read, told apart by path: a closed list beside `Lang`,
//! each with its ecosystem, its role (a manifest a person edits, a lockfile a tool writes, or a
//! configuration that points the package manager somewhere) and its own size limit.

/// A file whose structure some analyzer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    PackageJson,
    /// `.npmrc`: registries per scope.
    Npmrc,
    PackageLock,
    YarnLock,
    PnpmLock,
    /// pip requirements (`requirements*.txt`, `*.in`).
    Requirements,
    Pyproject,
    Pipfile,
    SetupCfg,
    PoetryLock,
    UvLock,
    PipfileLock,
    CargoToml,
    /// `.cargo/config.toml` (or `.cargo/config`): registries and source replacement.
    CargoConfig,
    CargoLock,
    GoMod,
    GoSum,
    /// A GitHub Actions workflow: `.github/workflows/*.yml` (GitHub reads no subfolder).
    GhWorkflow,
    /// Action metadata: `action.yml` (or `.yaml`) anywhere.
    GhAction,
    /// Terraform (`*.tf`).
    Terraform,
    /// docker-compose files (`docker-compose*.yml`, `compose.yaml`, …).
    Compose,
    /// Any other JSON: read when its content is an IAM policy, a CloudFormation template or a
    /// Kubernetes object.
    InfraJson,
    /// Any other YAML (and `*.template`): read when it is a Kubernetes manifest (Helm
    /// templates too), a CloudFormation template or a policy.
    InfraYaml,
}

/// What a file is to its project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Manifest,
    Lockfile,
    Config,
    /// A CI definition (a workflow, an action).
    Ci,
    /// Infrastructure code: cloud IAM, Kubernetes, containers.
    Infra,
}

/// Paths the project's configuration names as infrastructure code (`[infra]` of
/// `diffward.toml`), set once per run before the scan.
static NAMED: std::sync::OnceLock<Vec<(globset::GlobSet, FileKind)>> = std::sync::OnceLock::new();

/// Name more files as infrastructure code: Kubernetes manifests, CloudFormation templates and
/// IAM policies (read as YAML, which JSON also is), Terraform, compose. The first call wins.
pub fn name_infra_files(
    kubernetes_cloudformation_or_policies: &[String],
    terraform: &[String],
    compose: &[String],
) -> Result<(), String> {
    let set = |globs: &[String]| -> Result<globset::GlobSet, String> {
        let mut b = globset::GlobSetBuilder::new();
        for g in globs {
            b.add(globset::Glob::new(g).map_err(|e| format!("`{g}`: {e}"))?);
        }
        b.build().map_err(|e| e.to_string())
    };
    let named = vec![
        (set(terraform)?, FileKind::Terraform),
        (set(compose)?, FileKind::Compose),
        (
            set(kubernetes_cloudformation_or_policies)?,
            FileKind::InfraYaml,
        ),
    ];
    let _ = NAMED.set(named);
    Ok(())
}

impl FileKind {
    /// The kind a repository path is, by its file name (and, for `.cargo/config`, its folder),
    /// or as the project's configuration names it.
    pub fn of(path: &str) -> Option<FileKind> {
        if let Some(named) = NAMED.get() {
            if let Some((_, k)) = named.iter().find(|(g, _)| g.is_match(path)) {
                return Some(*k);
            }
        }
        Self::by_name(path)
    }

    fn by_name(path: &str) -> Option<FileKind> {
        let file = path.rsplit('/').next().unwrap_or(path);
        let parent = path.rsplit('/').nth(1).unwrap_or_default();
        Some(match file {
            "package.json" => FileKind::PackageJson,
            ".npmrc" => FileKind::Npmrc,
            "package-lock.json" | "npm-shrinkwrap.json" => FileKind::PackageLock,
            "yarn.lock" => FileKind::YarnLock,
            "pnpm-lock.yaml" => FileKind::PnpmLock,
            "pyproject.toml" => FileKind::Pyproject,
            "Pipfile" => FileKind::Pipfile,
            "setup.cfg" => FileKind::SetupCfg,
            "poetry.lock" => FileKind::PoetryLock,
            "uv.lock" => FileKind::UvLock,
            "Pipfile.lock" => FileKind::PipfileLock,
            "Cargo.toml" => FileKind::CargoToml,
            "config.toml" | "config" if parent == ".cargo" => FileKind::CargoConfig,
            "Cargo.lock" => FileKind::CargoLock,
            "go.mod" => FileKind::GoMod,
            "go.sum" => FileKind::GoSum,
            "action.yml" | "action.yaml" => FileKind::GhAction,
            _ if is_workflow(path) => FileKind::GhWorkflow,
            _ if super::requirements::is_requirements(path) => FileKind::Requirements,
            _ if is_compose(file) => FileKind::Compose,
            _ if file.ends_with(".tf") => FileKind::Terraform,
            _ if file.ends_with(".json") => FileKind::InfraJson,
            _ if file.ends_with(".yaml")
                || file.ends_with(".yml")
                || file.ends_with(".template") =>
            {
                FileKind::InfraYaml
            }
            _ => return None,
        })
    }

    pub fn role(self) -> Role {
        use FileKind::*;
        match self {
            PackageLock | YarnLock | PnpmLock | PoetryLock | UvLock | PipfileLock | CargoLock
            | GoSum => Role::Lockfile,
            Npmrc | CargoConfig => Role::Config,
            GhWorkflow | GhAction => Role::Ci,
            Terraform | Compose | InfraJson | InfraYaml => Role::Infra,
            _ => Role::Manifest,
        }
    }

    /// The ecosystem whose packages the file names, as facts spell it.
    pub fn ecosystem(self) -> &'static str {
        use FileKind::*;
        match self {
            PackageJson | Npmrc | PackageLock | YarnLock | PnpmLock => "npm",
            Requirements | Pyproject | Pipfile | SetupCfg | PoetryLock | UvLock | PipfileLock => {
                "pypi"
            }
            CargoToml | CargoConfig | CargoLock => "cargo",
            GoMod | GoSum => "go",
            GhWorkflow | GhAction => "github-actions",
            Terraform | Compose | InfraJson | InfraYaml => "infra",
        }
    }

    /// Whether this lockfile also pins the manifests in the folders below its own: a workspace's
    /// lockfile at its root (npm, yarn, pnpm, Cargo, uv). Poetry, pipenv and Go keep one
    /// lockfile per project, beside its manifest.
    pub fn covers_subfolders(self) -> bool {
        !matches!(
            self,
            FileKind::PoetryLock | FileKind::PipfileLock | FileKind::GoSum
        )
    }

    /// The file names of the lockfiles an ecosystem's package managers write.
    pub fn lockfile_names(ecosystem: &str) -> &'static [&'static str] {
        match ecosystem {
            "npm" => &[
                "package-lock.json",
                "npm-shrinkwrap.json",
                "yarn.lock",
                "pnpm-lock.yaml",
            ],
            "pypi" => &["poetry.lock", "uv.lock", "Pipfile.lock"],
            "cargo" => &["Cargo.lock"],
            "go" => &["go.sum"],
            _ => &[],
        }
    }

    /// The largest side the analyzers read. Lockfiles of real projects are often tens of
    /// megabytes (a monorepo's `package-lock.json`); manifests are small, and a huge one is
    /// more likely generated data than a manifest.
    pub fn size_limit(self) -> u64 {
        match self.role() {
            Role::Lockfile => 64 * 1024 * 1024,
            _ => 4 * 1024 * 1024,
        }
    }
}

/// Whether a file name is docker-compose's: `docker-compose.yml`, `docker-compose.prod.yaml`,
/// `compose.yaml`, `compose.override.yml`.
fn is_compose(file: &str) -> bool {
    let yaml = file.ends_with(".yml") || file.ends_with(".yaml");
    yaml && (file.starts_with("docker-compose") || file.starts_with("compose."))
}

/// Whether a path is a workflow GitHub runs: a `.yml`/`.yaml` file directly in
/// `.github/workflows/` of the repository (or of a folder scanned as one).
fn is_workflow(path: &str) -> bool {
    let Some((dir, file)) = path.rsplit_once('/') else {
        return false;
    };
    (dir == ".github/workflows" || dir.ends_with("/.github/workflows"))
        && (file.ends_with(".yml") || file.ends_with(".yaml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_path() {
        assert_eq!(
            FileKind::of("web/package.json"),
            Some(FileKind::PackageJson)
        );
        assert_eq!(
            FileKind::of(".cargo/config.toml"),
            Some(FileKind::CargoConfig)
        );
        assert_eq!(FileKind::of("config.toml"), None);
        assert_eq!(
            FileKind::of("requirements/dev.txt"),
            Some(FileKind::Requirements)
        );
        assert_eq!(
            FileKind::of("go.sum").map(FileKind::role),
            Some(Role::Lockfile)
        );
        assert_eq!(FileKind::of("src/main.rs"), None);
        assert_eq!(
            FileKind::of(".github/workflows/ci.yml"),
            Some(FileKind::GhWorkflow)
        );
        // YAML that is not a workflow GitHub runs is read by its content, as infrastructure
        assert_eq!(
            FileKind::of(".github/workflows/sub/ci.yml"),
            Some(FileKind::InfraYaml)
        );
        assert_eq!(
            FileKind::of(".github/dependabot.yml"),
            Some(FileKind::InfraYaml)
        );
        assert_eq!(
            FileKind::of("actions/setup/action.yaml"),
            Some(FileKind::GhAction)
        );
        assert_eq!(FileKind::of("infra/iam.tf"), Some(FileKind::Terraform));
        assert_eq!(
            FileKind::of("docker-compose.prod.yml"),
            Some(FileKind::Compose)
        );
        assert_eq!(FileKind::of("k8s/deploy.yaml"), Some(FileKind::InfraYaml));
        assert_eq!(
            FileKind::of("cfn/stack.template"),
            Some(FileKind::InfraYaml)
        );
        assert_eq!(FileKind::of("policy.json"), Some(FileKind::InfraJson));
        assert_eq!(FileKind::of("pnpm-lock.yaml"), Some(FileKind::PnpmLock));
    }
}
