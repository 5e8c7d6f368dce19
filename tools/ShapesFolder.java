import dev.vit4j.data.Example;
import dev.vit4j.data.ShapesDataset;
import dev.vit4j.viz.Png;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes vit4j's built-in shapes as an image folder (ROOT/val/K_CLASS/N.png, empty ROOT/train/K_CLASS/), the layout
 * `vit4j eval --data folder:ROOT` and the Spark eval job read. Folders sort as ImageFolder sorts them, so the index
 * prefix keeps the shapes models' class order. A single-file program:
 * java -cp VIT4J_CORE_CLASSPATH tools/ShapesFolder.java ROOT COUNT [SIZE [SEED]]
 */
public class ShapesFolder {
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        int size = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 2026;
        ShapesDataset shapes = new ShapesDataset(size, count, seed, "shapes-folder");
        for (int c = 0; c < ShapesDataset.CLASSES.size(); c++) {
            Files.createDirectories(root.resolve("train").resolve(folder(c)));
            Files.createDirectories(root.resolve("val").resolve(folder(c)));
        }
        for (int i = 0; i < count; i++) {
            Example e = shapes.get(i);
            Files.write(root.resolve("val").resolve(folder(e.label())).resolve(i + ".png"),
                    Png.encode(e.toImage()));
        }
        System.out.println(count + " images under " + root.resolve("val"));
    }

    private static String folder(int label) {
        return label + "_" + ShapesDataset.CLASSES.get(label);
    }
}
