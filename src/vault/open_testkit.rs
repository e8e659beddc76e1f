//! Helpers for unit tests that need a vault with an environment in it.

use super::*;

/// For unit tests: an empty vault in a temp dir (kept while the `TempDir` lives), the
/// environment `dev`, and a new identity.
pub(crate) fn test_vault() -> (
    tempfile::TempDir,
    VaultPaths,
    EnvName,
    age::x25519::Identity,
) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let paths = VaultPaths::new(dir.path().join("vault"));
    std::fs::create_dir_all(paths.envs_dir()).expect("the envs dir");
    let env = "dev".parse().expect("a valid name");
    (dir, paths, env, age::x25519::Identity::generate())
}

/// For unit tests: create `env` (under `paths`) with `id` as its one recipient and
/// founder, `fill` writing rows as a write would (an `init` event closes the batch).
pub(crate) fn create_test_env(
    paths: &VaultPaths,
    env: &EnvName,
    id: &age::x25519::Identity,
    fill: impl FnOnce(&Tx<'_>) -> Result<()>,
) -> Result<()> {
    let r = crate::recipient::RecipientString::from(&id.to_public());
    let actor = crate::audit::Actor::named(r.as_str(), crate::audit::Via::File);
    let signer = crate::identity::KeySigner::of_x25519(id).expect("an X25519 identity signs");
    let signing = crate::vault::signed::Signing {
        signer: &signer,
        recipient: r.as_str(),
        actor: &actor,
        now: 0,
    };
    EnvDb::create(paths, env, &signing, |db| {
        db.add_recipient(&r, &actor, 0)?;
        fill(db)?;
        db.record(&actor, crate::audit::Action::Init, None, None, None, 0)
    })
}
