/// The registry, delivery and history store (SQLite). Filled by the credentials issue; the
/// module exists now so the architecture is visible in the tree and dependencies stay one-way.
public enum HookStoreModule {}
