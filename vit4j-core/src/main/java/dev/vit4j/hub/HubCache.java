package dev.vit4j.hub;

import dev.vit4j.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The Hugging Face cache layout, as {@code huggingface_hub} writes and reads it, so that either side uses what the
 * other downloaded:
 * <pre>
 * CACHE/models--ORG--NAME/blobs/ETAG                      the content, named by its ETag (SHA-256 for LFS files)
 * CACHE/models--ORG--NAME/snapshots/COMMIT/FILE -> ../../blobs/ETAG
 * CACHE/models--ORG--NAME/refs/REVISION                   the commit a branch or tag pointed to
 * CACHE/models--ORG--NAME/.no_exist/COMMIT/FILE          an empty file: the revision has no such file
 * CACHE/.locks/models--ORG--NAME/ETAG.lock                held while a blob is downloaded
 * </pre>
 */
public final class HubCache {
    private final Path root;

    public HubCache(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    Path repo(RepoRef ref) {
        return root.resolve(ref.folderName());
    }

    Path blob(RepoRef ref, String etag) {
        return repo(ref).resolve("blobs").resolve(etag);
    }

    Path snapshot(RepoRef ref, String commit, String file) {
        return repo(ref).resolve("snapshots").resolve(commit).resolve(file);
    }

    Path lock(RepoRef ref, String etag) {
        return root.resolve(".locks").resolve(ref.folderName()).resolve(etag + ".lock");
    }

    /** The cached file for a revision (a commit, or a branch or tag through {@code refs/}), if there is one. */
    public Optional<Path> cached(RepoRef ref, String file) {
        Optional<String> commit = commit(ref);
        if (commit.isEmpty()) {
            return Optional.empty();
        }
        Path p = snapshot(ref, commit.get(), file);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    Optional<String> commit(RepoRef ref) {
        if (ref.isCommit()) {
            return Optional.of(ref.revision());
        }
        Path refFile = repo(ref).resolve("refs").resolve(ref.revision());
        try {
            return Files.isRegularFile(refFile)
                    ? Optional.of(
                            Files.readString(refFile, StandardCharsets.UTF_8).strip())
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Whether a lookup online found that the revision has no such file (then offline it is known to be absent). */
    boolean knownMissing(RepoRef ref, String file) {
        return commit(ref)
                .map(c -> Files.exists(repo(ref).resolve(".no_exist").resolve(c).resolve(file)))
                .orElse(false);
    }

    void recordMissing(RepoRef ref, String commit, String file) throws IOException {
        if (commit == null || !commit.matches("[0-9a-f]{40}")) {
            return;
        }
        writeRef(ref, commit);
        Path marker = repo(ref).resolve(".no_exist").resolve(commit).resolve(file);
        Files.createDirectories(marker.getParent());
        if (!Files.exists(marker)) {
            Files.createFile(marker);
        }
    }

    void writeRef(RepoRef ref, String commit) throws IOException {
        if (ref.isCommit() || commit.equals(commit(ref).orElse(null))) {
            return;
        }
        Path refFile = repo(ref).resolve("refs").resolve(ref.revision());
        AtomicFiles.writeString(refFile, commit); // a unique temporary name: threads of one process write it too
    }

    /** snapshots/COMMIT/FILE → ../../blobs/ETAG (relative, so a moved cache keeps working), replaced atomically. */
    Path link(RepoRef ref, String commit, String file, String etag) throws IOException {
        Path pointer = snapshot(ref, commit, file);
        Files.createDirectories(pointer.getParent());
        Path target = pointer.getParent().relativize(blob(ref, etag));
        Path tmp = pointer.resolveSibling(pointer.getFileName() + "."
                + ProcessHandle.current().pid() + "." + Thread.currentThread().getId() + ".link");
        Files.deleteIfExists(tmp);
        try {
            Files.createSymbolicLink(tmp, target);
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(blob(ref, etag), tmp); // file systems without symlinks, as huggingface_hub falls back to
        }
        Files.move(tmp, pointer, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return pointer;
    }
}
