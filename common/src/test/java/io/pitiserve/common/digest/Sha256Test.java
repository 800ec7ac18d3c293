package io.pitiserve.common.digest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import org.junit.jupiter.api.Test;

class Sha256Test {

    /** FIPS 180-2's test vector for "abc". */
    private static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @Test
    void hexIsTheStandardLowerCaseDigest() {
        assertThat(Sha256.hex("abc")).isEqualTo(ABC);
        assertThat(Sha256.hex("abc".getBytes(StandardCharsets.US_ASCII))).isEqualTo(ABC);
        assertThat(Sha256.of("abc")).hasSize(32);
    }

    @Test
    void aDigestFedInPiecesEndsAsTheWhole() {
        MessageDigest digest = Sha256.newDigest();
        digest.update("a".getBytes(StandardCharsets.UTF_8));
        digest.update("bc".getBytes(StandardCharsets.UTF_8));

        assertThat(Sha256.hex(digest)).isEqualTo(ABC);
    }
}
