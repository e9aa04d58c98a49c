/// The Infisical secrets-manager source (Universal Auth, v4/v3 secret reads). Filled by the
/// credentials issue; the module exists now so the architecture is visible in the tree.
public enum HookInfisicalModule {}
