package dev.vit4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vit4j.Vit4jException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageNetValListTest {
    @TempDir
    Path dir;

    @Test
    void linesArePathsAndImageNetLabelsAndBlankLinesAreSkipped() {
        ImageNetValList list = ImageNetValList.parse(List.of("a/x.JPEG 0", "", "  y.png\t999  "), "val.txt");
        assertEquals(List.of("a/x.JPEG", "y.png"), list.paths());
        assertArrayEquals(new int[] {0, 999}, list.labels());
        assertEquals(1000, ImageNetValList.classes().size());
        assertEquals(true, ImageNetValList.classes().get(0).startsWith("tench"));
    }

    @Test
    void aBadLineIsNamedByFileAndNumber() {
        assertEquals(
                "val.txt:2: expected 'relative/path label'",
                assertThrows(Vit4jException.class, () -> ImageNetValList.parse(List.of("a.png 1", "b.png"), "val.txt"))
                        .getMessage());
        assertEquals(
                "val.txt:1: label 'cat' is not a number",
                assertThrows(Vit4jException.class, () -> ImageNetValList.parse(List.of("a.png cat"), "val.txt"))
                        .getMessage());
        assertEquals(
                "val.txt:3: label 1000 is not an ImageNet-1k class",
                assertThrows(
                                Vit4jException.class,
                                () -> ImageNetValList.parse(List.of("a.png 1", "", "c.png 1000"), "val.txt"))
                        .getMessage());
    }

    @Test
    void theImagenetValDataSpecReadsTheListUnderItsFolder() throws IOException {
        Path list = Files.write(dir.resolve("val.txt"), List.of("n01/a.png 5", "b.png 7"));
        Dataset d = DatasetSpec.open("imagenet-val:" + dir + ":" + list, DatasetSpec.Split.TEST);
        assertEquals(2, d.size());
        assertEquals(1000, d.classes().size());
        assertEquals("imagenet-val val.txt (2 images)", d.describe());
        assertThrows(
                Vit4jException.class,
                () -> DatasetSpec.open("imagenet-val:" + dir + ":" + dir.resolve("none.txt"), DatasetSpec.Split.TEST));
    }
}
