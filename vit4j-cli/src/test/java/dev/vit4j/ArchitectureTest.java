package dev.vit4j;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.vit4j.cli.FlagNamesAccess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The house's rules (docs/architecture.md), checked on the compiled classes of every module with ArchUnit. This module
 * is built last, so the others' classes are in their {@code target/classes}.
 */
class ArchitectureTest {
    private static final List<String> MODULES =
            List.of("vit4j-core", "vit4j-serve", "vit4j-spark", "vit4j-bench", "vit4j-cli");
    private static final String[] FAMILIES = {
        "dev.vit4j.models.vit..", "dev.vit4j.models.cait..", "dev.vit4j.models.perceiver..", "dev.vit4j.models.clip.."
    };
    private static final String[] ABOVE_CORE = {
        "dev.vit4j.serve..", "dev.vit4j.spark..", "dev.vit4j.cli..", "dev.vit4j.bench.."
    };

    private static JavaClasses classes;

    @BeforeAll
    static void importEveryModule() {
        ClassFileImporter importer =
                new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS);
        List<Path> dirs = new ArrayList<>();
        for (String module : MODULES) {
            Path dir = Path.of("..", module, "target", "classes");
            assertTrue(
                    Files.isDirectory(dir.resolve("dev/vit4j")),
                    "no classes of " + module + " in " + dir + ": build every module first (mvn verify does)");
            dirs.add(dir);
        }
        classes = importer.importPaths(dirs);
    }

    /**
     * Only {@code inference} runs an engine: nothing else starts a forward pass or an ONNX Runtime session; every door
     * goes through {@code ModelPipeline}. The benchmark's own anchor session (ONNX Runtime on another exporter's file,
     * the thing measured against) is the one exception.
     */
    @Test
    void onlyInferenceRunsAnEngine() {
        ArchRule rule = noClasses()
                .that()
                .resideOutsideOfPackage("dev.vit4j.inference..")
                .and()
                .doNotHaveFullyQualifiedName("dev.vit4j.cli.BenchCommand")
                .should()
                .callMethodWhere(describe(
                        "a forward pass or an ONNX Runtime session",
                        call -> call.getTargetOwner().isEquivalentTo(dev.vit4j.inference.ModelRunner.class)
                                || call.getTargetOwner().getName().equals("ai.onnxruntime.OrtSession")
                                        && call.getName().equals("run")
                                || call.getTargetOwner().getName().equals("ai.onnxruntime.OrtEnvironment")
                                        && call.getName().equals("createSession")));
        rule.check(classes);
    }

    /** A family's package is used by nothing but itself and the registry's one line that registers it. */
    @Test
    void familyPackagesAreImportedByNothingButTheRegistry() {
        for (String family : FAMILIES) {
            classes()
                    .that()
                    .resideInAPackage(family)
                    .should()
                    .onlyHaveDependentClassesThat(resideInAPackage(family)
                            .or(describe("the registry", (JavaClass c) -> c.getName()
                                    .equals("dev.vit4j.models.ModelRegistry")))
                            .or(resideInAPackage("dev.vit4j.bench..")))
                    .because("nothing outside a family branches on which family a model is (the benchmarks compare"
                            + " families on purpose)")
                    .check(classes);
        }
    }

    /**
     * The modules above core use its public API: no DJL or ONNX Runtime types (core's engines), no layers ({@code
     * nn}), no family package. The benchmarks' own measuring code aside: {@code vit4j bench}'s anchor session, and
     * vit4j-bench's layer and family comparisons.
     */
    @Test
    void theModulesAboveCoreUseItsPublicApi() {
        noClasses()
                .that()
                .resideInAnyPackage(ABOVE_CORE)
                .and(describe(
                        "are not the benchmarks' own measuring code",
                        (JavaClass c) -> !c.getName().startsWith("dev.vit4j.cli.BenchCommand")
                                && !c.getPackageName().equals("dev.vit4j.bench")))
                .should()
                .dependOnClassesThat(resideInAnyPackage("ai.djl..", "ai.onnxruntime..", "dev.vit4j.nn..")
                        .or(resideInAnyPackage(FAMILIES)))
                .check(classes);
    }

    /** No cycles between core's packages (a family's package counts as part of {@code models}, whose registry names it). */
    @Test
    void corePackagesHaveNoCycles() {
        slices().matching("dev.vit4j.(*)..").should().beFreeOfCycles().check(classes);
    }

    /**
     * Every {@code {param}} of a library message has a flag spelling on the command line and is a name of the API (a
     * method, field or record component of a public class); and no library message names a command or a flag itself.
     */
    @Test
    void everyParameterInALibraryMessageHasAFlagAndAnApiName() throws IOException {
        Set<String> apiNames = classes.stream()
                .filter(c -> c.getModifiers().contains(JavaModifier.PUBLIC))
                .flatMap(c -> Stream.concat(c.getMethods().stream(), c.getFields().stream()))
                .filter(m -> m.getModifiers().contains(JavaModifier.PUBLIC))
                .map(JavaMember::getName)
                .collect(Collectors.toSet());
        Set<String> parameters = new TreeSet<>();
        List<String> namingCommands = new ArrayList<>();
        for (String module : List.of("vit4j-core", "vit4j-serve", "vit4j-spark")) {
            for (Path file : javaFiles(Path.of("..", module, "src/main/java"))) {
                String source = Files.readString(file, StandardCharsets.UTF_8);
                for (String template : namingTemplates(source)) {
                    Matcher m = Pattern.compile("\\{([A-Za-z][A-Za-z0-9]*)}").matcher(template);
                    while (m.find()) {
                        parameters.add(m.group(1));
                    }
                }
                for (String literal : stringLiterals(source)) {
                    if (literal.matches(".*\\bvit4j (serve|predict|embed|train|eval|export|bench) --.*")) {
                        namingCommands.add(file.getFileName() + ": \"" + literal + "\"");
                    }
                }
            }
        }
        assertFalse(parameters.isEmpty(), "no library message names a parameter: the scan is broken");
        List<String> wrong = new ArrayList<>();
        for (String p : parameters) {
            if (!FlagNamesAccess.hasFlag(p)) {
                wrong.add("{" + p + "} has no flag spelling in FlagNames");
            }
            if (!apiNames.contains(p)) {
                wrong.add("{" + p + "} is no method, field or record component of the API");
            }
        }
        assertEquals(List.of(), wrong);
        assertEquals(List.of(), namingCommands, "library messages that name a command line: use {parameter}");
    }

    /** The template strings (concatenated literals) given as the first argument of {@code Vit4jException.naming}. */
    static List<String> namingTemplates(String source) {
        List<String> out = new ArrayList<>();
        Matcher call = Pattern.compile("\\bnaming\\(").matcher(source);
        while (call.find()) {
            StringBuilder template = new StringBuilder();
            int i = call.end();
            while (i < source.length()) {
                char c = source.charAt(i);
                if (c == '"') {
                    int end = i + 1;
                    while (source.charAt(end) != '"' || source.charAt(end - 1) == '\\') {
                        end++;
                    }
                    template.append(source, i + 1, end);
                    i = end + 1;
                } else if (c == ',' || c == ')') {
                    break;
                } else {
                    i++;
                }
            }
            out.add(template.toString());
        }
        return out;
    }

    private static List<String> stringLiterals(String source) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"((?:[^\"\\\\\\n]|\\\\.)*)\"").matcher(source);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static List<Path> javaFiles(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }
}
