package io.pitiserve.standalone;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Properties;

import io.pitiserve.common.digest.Sha256;

/**
 * The secrets of a local installation: the API key and webhook secret of its one tenant and the
 * key pair of the embedded S3 server.
 *
 * <p>{@code PITISERVE_API_KEY} and {@code PITISERVE_WEBHOOK_SECRET} (a {@code whsec_...} value)
 * win when set; whatever is not given is generated once and kept in
 * {@code <data-dir>/credentials.properties} (owner-only permissions), so a restart keeps the key
 * a client was configured with. The file holds only values in use: a key or secret the environment
 * gives is never written there (and one generated earlier is removed).
 *
 * @param apiKey          the bearer token of the local tenant
 * @param apiKeySource    where the API key came from, for people ({@code PITISERVE_API_KEY} or the file)
 * @param webhookSecret   the Standard Webhooks signing secret of the local tenant, {@code whsec_<base64>}
 * @param s3AccessKey     access key of the embedded S3 server
 * @param s3SecretKey     secret key of the embedded S3 server
 */
public record LocalCredentials(String apiKey, String apiKeySource, String webhookSecret, String s3AccessKey,
                               String s3SecretKey) {

    static final String API_KEY_ENV = "PITISERVE_API_KEY";
    static final String WEBHOOK_SECRET_ENV = "PITISERVE_WEBHOOK_SECRET";
    static final String FILE_NAME = "credentials.properties";

    private static final SecureRandom RANDOM = new SecureRandom();

    public LocalCredentials {
        if (apiKey == null || apiKey.isBlank()) {
            throw new IllegalArgumentException("the API key must not be blank");
        }
        if (!isWebhookSecret(webhookSecret)) {
            throw new IllegalArgumentException("the webhook secret must look like whsec_<base64 of 24..64 bytes>");
        }
    }

    /** The hex sha256 of the API key, the form the gateway is configured with. */
    public String apiKeySha256() {
        return Sha256.hex(apiKey);
    }

    /** Reads or creates the credentials of {@code dataDir}; {@code env} supplies the overrides. */
    public static LocalCredentials load(Path dataDir, Map<String, String> env) {
        String envKey = blankToNull(env.get(API_KEY_ENV));
        String envSecret = blankToNull(env.get(WEBHOOK_SECRET_ENV));
        if (envSecret != null && !isWebhookSecret(envSecret)) {
            throw new IllegalArgumentException(WEBHOOK_SECRET_ENV + " must look like whsec_<base64 of 24..64 bytes>");
        }
        Path file = dataDir.resolve(FILE_NAME);
        Properties stored = read(file);
        boolean changed = false;
        Map<String, String> generated = new java.util.LinkedHashMap<>();
        generated.put("api-key", envKey != null ? null : "pk_local_" + random(24));
        generated.put("webhook-secret", envSecret != null ? null
                : "whsec_" + Base64.getEncoder().encodeToString(bytes(32)));
        generated.put("s3-access-key", "pitiserve-local");
        generated.put("s3-secret-key", random(30));
        for (Map.Entry<String, String> entry : generated.entrySet()) {
            if (entry.getValue() == null) {
                // The environment decides this one: the file must not hold a value that is not in use.
                changed |= stored.remove(entry.getKey()) != null;
            } else if (stored.getProperty(entry.getKey()) == null) {
                stored.setProperty(entry.getKey(), entry.getValue());
                changed = true;
            }
        }
        if (changed) {
            write(file, stored);
        }
        return new LocalCredentials(
                envKey != null ? envKey : stored.getProperty("api-key"),
                envKey != null ? API_KEY_ENV : file.toString(),
                envSecret != null ? envSecret : stored.getProperty("webhook-secret"),
                stored.getProperty("s3-access-key"),
                stored.getProperty("s3-secret-key"));
    }

    static boolean isWebhookSecret(String value) {
        if (value == null || !value.startsWith("whsec_")) {
            return false;
        }
        try {
            int length = Base64.getDecoder().decode(value.substring("whsec_".length())).length;
            return length >= 24 && length <= 64;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static Properties read(Path file) {
        Properties props = new Properties();
        if (Files.exists(file)) {
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                props.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return props;
    }

    private static void write(Path file, Properties props) {
        try {
            Files.createDirectories(file.getParent());
            Path temp = file.resolveSibling(FILE_NAME + ".tmp");
            Files.deleteIfExists(temp);
            try {
                Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException | FileAlreadyExistsException e) {
                Files.writeString(temp, "");
            }
            try (Writer out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                props.store(out, "piti-serve local credentials: keep private");
            }
            Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String random(int bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(bytes));
    }

    private static byte[] bytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    @Override
    public String toString() {
        return "LocalCredentials[apiKeySource=" + apiKeySource + ", s3AccessKey=" + s3AccessKey + "]";
    }
}
