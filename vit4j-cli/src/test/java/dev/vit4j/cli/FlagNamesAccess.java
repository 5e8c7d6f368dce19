package dev.vit4j.cli;

/** What tests outside this package may ask of {@link FlagNames}. */
public final class FlagNamesAccess {
    private FlagNamesAccess() {}

    public static boolean hasFlag(String parameter) {
        return FlagNames.has(parameter);
    }
}
