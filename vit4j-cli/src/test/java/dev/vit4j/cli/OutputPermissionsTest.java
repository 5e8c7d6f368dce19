package dev.vit4j.cli;

import static dev.vit4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of file vit4j writes gets the permissions any new file of the user gets (0666 less the umask),
 * not the 0600 of a temporary file: a model exported by one account must be readable by the one serving it.
 */
class OutputPermissionsTest {
    @TempDir
    Path dir;

    @Test
    void everyOutputGetsTheUsersUmask() throws Exception {
        Assumptions.assumeTrue(
                dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX file system");
        // What the umask makes of a plain new file, here and now, is what every output must have.
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(Files.createFile(dir.resolve("reference")));
        Assumptions.assumeTrue(
                expected.contains(PosixFilePermission.OTHERS_READ),
                "a umask that lets others read (022 or 002); this one gives "
                        + PosixFilePermissions.toString(expected));

        Path onnx =
                Files.createDirectories(dir.resolve("export")).resolve("model.onnx"); // an output file's folder exists
        assertEquals(
                0,
                run("export", "-m", CliTest.VIT, "-w", CliTest.VIT_WEIGHTS, "-o", onnx.toString())
                        .code());
        Path runDir = dir.resolve("run");
        var t = run(
                "train",
                "--config",
                TrainingCommandsTest.config(),
                "--data",
                "shapes:16:32",
                "--val",
                "shapes:16:16",
                "--epochs",
                "1",
                "-b",
                "16",
                "-o",
                runDir.toString());
        assertEquals(0, t.code(), t.err());
        var e = run(
                "eval",
                "-w",
                runDir.toString(),
                "--data",
                "shapes:16:16",
                "-o",
                dir.resolve("eval").toString());
        assertEquals(0, e.code(), e.err());
        var a = run(
                "attention",
                "-m",
                ProbingCommandsTest.CAIT,
                "-w",
                ProbingCommandsTest.CAIT_WEIGHTS,
                "-o",
                dir.resolve("maps").toString(),
                CliTest.IMAGE);
        assertEquals(0, a.code(), a.err());
        var m = run(
                "mad",
                "-m",
                ProbingCommandsTest.CAIT,
                "-w",
                ProbingCommandsTest.CAIT_WEIGHTS,
                "-o",
                dir.resolve("mad").toString(),
                CliTest.IMAGE);
        assertEquals(0, m.code(), m.err());

        List<String> kinds = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String name = f.getFileName().toString();
                kinds.add(name.contains(".") ? name.substring(name.lastIndexOf('.')) : name);
                assertEquals(
                        PosixFilePermissions.toString(expected),
                        PosixFilePermissions.toString(Files.getPosixFilePermissions(f)),
                        dir.relativize(f).toString());
            }
        }
        // (a run's .lock file is removed when the run ends: there is none left to check)
        for (String kind : List.of(".onnx", ".safetensors", ".json", ".csv", ".png")) {
            assertTrue(kinds.contains(kind), "an output of kind " + kind + " was checked: " + kinds);
        }
        assertFalse(kinds.contains(".tmp"), "no temporary file left");
    }
}
