package dev.vit4j.text;

import dev.vit4j.Vit4jException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Zero-shot prompts open_clip ships ({@code zero_shot_metadata.py}): OpenAI's 80 ImageNet templates (Radford et al.
 * 2021, '{}' marks the label) and open_clip's ImageNet class names, the labels of {@code --labels imagenet}.
 */
public final class Prompts {
    /** The name of OpenAI's templates where a template list is named ({@code --templates openai}). */
    public static final String OPENAI = "openai";

    /** The name of open_clip's ImageNet class names where a label list is named ({@code --labels imagenet}). */
    public static final String IMAGENET = "imagenet";

    /** The template open_clip's README prompts labels with, used where none is given. */
    public static final String DEFAULT_TEMPLATE = "a photo of a {}.";

    private Prompts() {}

    public static List<String> openAiImageNetTemplates() {
        return lines("openai-imagenet-templates.txt");
    }

    public static List<String> imageNetClassNames() {
        return lines("imagenet-classnames.txt");
    }

    /** {@code template} with its '{}' replaced by {@code label}, as open_clip's {@code template.format(label)}. */
    public static String fill(String template, String label) {
        return template.replace("{}", label);
    }

    /** Refuses a template that does not mark where the label goes. */
    public static void checkTemplate(String template) {
        if (!template.contains("{}")) {
            throw new Vit4jException("the template '" + template + "' has no {} where the label goes");
        }
    }

    private static List<String> lines(String resource) {
        try (InputStream in = Prompts.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " missing from the jar");
            }
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                    .lines()
                    .filter(l -> !l.isEmpty())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
