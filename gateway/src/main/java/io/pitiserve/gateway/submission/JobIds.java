package io.pitiserve.gateway.submission;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.regex.Pattern;

import io.pitiserve.common.digest.Sha256;


/**
 * Job ids: {@code tr_} and 26 lowercase base32 characters (130 bits). With an Idempotency-Key the
 * id is derived from sha256(tenant + "\n" + key), so a client's retries land on the same job
 * whichever gateway instance takes them; otherwise it is random.
 */
public final class JobIds {

    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final Pattern FORMAT = Pattern.compile("tr_[a-z2-7]{26}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private JobIds() {
    }

    public static String random() {
        byte[] bytes = new byte[17];
        RANDOM.nextBytes(bytes);
        return "tr_" + base32(bytes);
    }

    public static String derived(String tenant, String idempotencyKey) {
        return "tr_" + base32(Sha256.of((tenant + "\n" + idempotencyKey).getBytes(StandardCharsets.UTF_8)));
    }

    public static boolean wellFormed(String jobId) {
        return jobId != null && FORMAT.matcher(jobId).matches();
    }

    /**
     * The seed of a job whose client named none: taken from the id, so it is random for a random
     * id and the same for every retry of an idempotent submission (which keeps its fingerprint).
     */
    public static long defaultSeed(String jobId) {
        byte[] digest = Sha256.of(("seed\n" + jobId).getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(digest).getLong() & Long.MAX_VALUE;
    }

    private static String base32(byte[] bytes) {
        StringBuilder out = new StringBuilder(26);
        int buffer = 0;
        int bits = 0;
        for (byte b : bytes) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5 && out.length() < 26) {
                out.append(ALPHABET[(buffer >>> (bits - 5)) & 31]);
                bits -= 5;
            }
            if (out.length() == 26) {
                break;
            }
        }
        return out.toString();
    }
}
