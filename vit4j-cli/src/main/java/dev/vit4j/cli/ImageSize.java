package dev.vit4j.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** An input size as every command takes it: {@code SIZE} (square) or {@code HEIGHTxWIDTH}. */
record ImageSize(int height, int width) {
    private static final Pattern FORM = Pattern.compile("(\\d{1,5})(?:x(\\d{1,5}))?");

    static final class Converter implements CommandLine.ITypeConverter<ImageSize> {
        @Override
        public ImageSize convert(String value) {
            Matcher m = FORM.matcher(value);
            if (!m.matches()
                    || Integer.parseInt(m.group(1)) == 0
                    || m.group(2) != null && Integer.parseInt(m.group(2)) == 0) {
                throw new CommandLine.TypeConversionException(
                        "must be SIZE or HEIGHTxWIDTH (e.g. 224 or 224x336), not '" + value + "'");
            }
            int height = Integer.parseInt(m.group(1));
            return new ImageSize(height, m.group(2) == null ? height : Integer.parseInt(m.group(2)));
        }
    }
}
