package dev.vit4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java is code a user can copy: every ```java block compiles, as written, against the library. */
class ReadmeJavaTest {
    @Test
    void everyJavaBlockOfTheReadmeCompiles(@TempDir Path dir) throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        Matcher block = Pattern.compile("(?s)```java\\n(.*?)```").matcher(readme);
        List<Path> sources = new ArrayList<>();
        while (block.find()) {
            String code = block.group(1);
            Matcher name = Pattern.compile("public (?:final )?class (\\w+)").matcher(code);
            assertTrue(name.find(), "a README Java block is not a whole class a user can save and compile:\n" + code);
            Path source = dir.resolve(name.group(1) + ".java");
            Files.writeString(source, code, StandardCharsets.UTF_8);
            sources.add(source);
        }
        assertTrue(sources.size() >= 2, "Java blocks in the README: " + sources.size());
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            Iterable<? extends JavaFileObject> units = files.getJavaFileObjectsFromPaths(sources);
            boolean ok = javac.getTask(
                            diagnostics,
                            files,
                            null,
                            List.of("-classpath", classPath(), "-d", dir.toString(), "-proc:none"),
                            null,
                            units)
                    .call();
            assertEquals("", diagnostics.toString());
            assertTrue(ok);
        }
    }

    /** The test's class path; surefire's is a manifest-only jar naming the entries in its Class-Path. */
    private static String classPath() throws IOException {
        String cp = System.getProperty("java.class.path");
        List<String> out = new ArrayList<>();
        for (String entry : cp.split(File.pathSeparator)) {
            out.add(entry);
            if (entry.endsWith(".jar") && Files.isRegularFile(Path.of(entry))) {
                try (JarFile jar = new JarFile(entry)) {
                    Manifest m = jar.getManifest();
                    String more = m == null ? null : m.getMainAttributes().getValue("Class-Path");
                    if (more != null) {
                        for (String url : more.trim().split("\\s+")) {
                            out.add(Path.of(java.net.URI.create(url)).toString());
                        }
                    }
                }
            }
        }
        return String.join(File.pathSeparator, out);
    }
}
