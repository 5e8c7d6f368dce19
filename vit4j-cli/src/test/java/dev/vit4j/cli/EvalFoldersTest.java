package dev.vit4j.cli;

import static dev.vit4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vit4j.data.Example;
import dev.vit4j.data.ShapesDataset;
import dev.vit4j.viz.Png;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Class folders against a labelled model: by label when the folder names are its labels, else sorted by name. */
class EvalFoldersTest {
    private static final Path MODEL =
            Path.of("..", "vit4j-core", "src", "test", "resources", "trained", "cait_shapes_demo");

    @TempDir
    Path dir;

    /** The trained shapes CaiT's labels are circle, square, triangle, cross, ring, diamond: not alphabetical. */
    @Test
    void foldersNamedAfterTheModelsLabelsAreMappedByLabel() throws IOException {
        ShapesDataset shapes = new ShapesDataset(32, 300, 5, "shapes");
        Path named = dir.resolve("named");
        Path other = dir.resolve("other");
        for (int i = 0; i < shapes.size(); i++) {
            Example e = shapes.get(i);
            String label = ShapesDataset.CLASSES.get(e.label());
            byte[] png = Png.encode(e.toImage());
            Files.write(Files.createDirectories(named.resolve(label)).resolve(i + ".png"), png);
            Files.write(Files.createDirectories(other.resolve("class_" + label)).resolve(i + ".png"), png);
        }
        CliTest.Result byLabel =
                run("eval", "-w", MODEL.toString(), "--data", "folder:" + named, "--split", "train", "--json");
        assertEquals(0, byLabel.code(), byLabel.err());
        assertTrue(byLabel.err().contains("mapped to the model's outputs by label"), byLabel.err());
        JsonNode report = new ObjectMapper().readTree(byLabel.out());
        assertEquals("model_labels", report.get("class_mapping").asText());
        assertTrue(report.get("top1").asDouble() > 0.9, report.toString());

        CliTest.Result sorted =
                run("eval", "-w", MODEL.toString(), "--data", "folder:" + other, "--split", "train", "--json");
        assertEquals(0, sorted.code(), sorted.err());
        assertTrue(sorted.err().contains("in sorted name order"), sorted.err());
        JsonNode imageFolder = new ObjectMapper().readTree(sorted.out());
        assertEquals("sorted_folder_names", imageFolder.get("class_mapping").asText());
        assertTrue(imageFolder.get("top1").asDouble() < 0.5, "ImageFolder's order is not the model's: " + imageFolder);
    }
}
