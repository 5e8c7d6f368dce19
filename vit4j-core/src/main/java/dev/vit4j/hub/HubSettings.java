package dev.vit4j.hub;

import dev.vit4j.Vit4jException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Where the Hub and its cache are, read from the same environment variables as Python's {@code huggingface_hub}, so
 * both share one cache: {@code HF_HUB_CACHE} (else {@code $HF_HOME/hub}, else {@code $XDG_CACHE_HOME/huggingface/hub},
 * else {@code ~/.cache/huggingface/hub}), {@code HF_ENDPOINT} (mirrors), {@code HF_TOKEN} (else
 * {@code $HF_HOME/token}, as {@code huggingface-cli login} writes it) and {@code HF_HUB_OFFLINE}.
 * {@code retries} and {@code backoff} bound the attempts after a network failure. {@code metadataTimeout} bounds the
 * wait for a file's metadata ({@code HF_HUB_ETAG_TIMEOUT}), {@code readTimeout} the wait for each piece of a download
 * ({@code HF_HUB_DOWNLOAD_TIMEOUT}); both default to huggingface_hub's 10 seconds.
 */
public record HubSettings(
        String endpoint,
        Path cache,
        String token,
        boolean offline,
        int retries,
        Duration backoff,
        Duration metadataTimeout,
        Duration readTimeout) {
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    public static HubSettings fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    public static HubSettings fromEnvironment(Map<String, String> env) {
        Path cacheHome = env.containsKey("XDG_CACHE_HOME")
                ? Path.of(env.get("XDG_CACHE_HOME"))
                : Path.of(System.getProperty("user.home"), ".cache");
        Path hfHome = env.containsKey("HF_HOME") ? Path.of(env.get("HF_HOME")) : cacheHome.resolve("huggingface");
        Path cache = env.containsKey("HF_HUB_CACHE")
                ? Path.of(env.get("HF_HUB_CACHE"))
                : env.containsKey("HUGGINGFACE_HUB_CACHE")
                        ? Path.of(env.get("HUGGINGFACE_HUB_CACHE"))
                        : hfHome.resolve("hub");
        String token = env.get("HF_TOKEN");
        if (token == null || token.isBlank()) {
            token = readToken(hfHome.resolve("token"));
        }
        String endpoint = env.getOrDefault("HF_ENDPOINT", DEFAULT_ENDPOINT).replaceAll("/+$", "");
        return new HubSettings(
                endpoint,
                cache,
                token,
                truthy(env.get("HF_HUB_OFFLINE")),
                5,
                Duration.ofSeconds(1),
                seconds(env, "HF_HUB_ETAG_TIMEOUT"),
                seconds(env, "HF_HUB_DOWNLOAD_TIMEOUT"));
    }

    private static Duration seconds(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return DEFAULT_TIMEOUT;
        }
        try {
            double s = Double.parseDouble(v.strip());
            if (s > 0 && s <= 86_400) {
                return Duration.ofMillis(Math.round(s * 1000));
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new Vit4jException(name + " must be a number of seconds (0 < s <= 86400), not '" + v + "'");
    }

    private static String readToken(Path file) {
        try {
            return Files.isRegularFile(file)
                    ? Files.readString(file, StandardCharsets.UTF_8).strip()
                    : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** huggingface_hub's reading of boolean variables. */
    private static boolean truthy(String v) {
        return v != null
                && java.util.Set.of("1", "ON", "YES", "TRUE").contains(v.strip().toUpperCase(java.util.Locale.ROOT));
    }

    public HubSettings withCache(Path dir) {
        return new HubSettings(endpoint, dir, token, offline, retries, backoff, metadataTimeout, readTimeout);
    }

    public HubSettings withEndpoint(String url) {
        return new HubSettings(url, cache, token, offline, retries, backoff, metadataTimeout, readTimeout);
    }

    public HubSettings withToken(String t) {
        return new HubSettings(endpoint, cache, t, offline, retries, backoff, metadataTimeout, readTimeout);
    }

    public HubSettings withOffline(boolean o) {
        return new HubSettings(endpoint, cache, token, o, retries, backoff, metadataTimeout, readTimeout);
    }

    public HubSettings withRetries(int n, Duration firstBackoff) {
        return new HubSettings(endpoint, cache, token, offline, n, firstBackoff, metadataTimeout, readTimeout);
    }

    public HubSettings withTimeouts(Duration metadata, Duration read) {
        return new HubSettings(endpoint, cache, token, offline, retries, backoff, metadata, read);
    }
}
