public enum HookClientModule {}
