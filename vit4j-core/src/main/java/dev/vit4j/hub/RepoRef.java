package dev.vit4j.hub;

import dev.vit4j.Vit4jException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * A model repository on the Hub and a revision (branch, tag or commit): {@code org/name}, {@code org/name@rev}, and
 * timm's {@code hf-hub:org/name} spelling.
 */
public record RepoRef(String repoId, String revision) {
    private static final Pattern ID =
            Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9._/+-]{1,256}");

    public RepoRef {
        if (!ID.matcher(repoId).matches() || repoId.contains("..")) {
            throw new Vit4jException("not a Hub repository id: '" + repoId + "' (expected ORG/NAME)");
        }
        // It names a file under refs/ in the cache (a branch such as refs/pr/1 too): no empty, . or .. part.
        if (!REVISION.matcher(revision).matches()
                || Arrays.stream(revision.split("/", -1))
                        .anyMatch(part -> part.isEmpty() || part.equals(".") || part.equals(".."))) {
            throw new Vit4jException("not a revision: '" + revision + "' (a branch, tag or commit of " + repoId + ")");
        }
    }

    /**
     * Whether {@code spec} names a Hub repository rather than a registered name or a local file: {@code hf-hub:…},
     * or ORG/NAME that is not an existing path nor a {@code .json} config.
     */
    public static boolean looksLike(String spec) {
        String s = strip(spec);
        int at = s.indexOf('@');
        return spec.startsWith("hf-hub:")
                || ID.matcher(at < 0 ? s : s.substring(0, at)).matches()
                        && !s.endsWith(".json")
                        && !java.nio.file.Files.exists(java.nio.file.Path.of(spec));
    }

    public static RepoRef parse(String spec) {
        String s = strip(spec);
        int at = s.indexOf('@');
        return at < 0 ? new RepoRef(s, "main") : new RepoRef(s.substring(0, at), s.substring(at + 1));
    }

    private static String strip(String spec) {
        return spec.startsWith("hf-hub:") ? spec.substring("hf-hub:".length()) : spec;
    }

    public boolean isCommit() {
        return COMMIT.matcher(revision).matches();
    }

    /** The cache folder's name, as huggingface_hub's {@code repo_folder_name}. */
    public String folderName() {
        return "models--" + repoId.replace("/", "--");
    }

    @Override
    public String toString() {
        return revision.equals("main") ? repoId : repoId + "@" + revision;
    }
}
