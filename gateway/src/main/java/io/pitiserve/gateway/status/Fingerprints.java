package io.pitiserve.gateway.status;

import io.pitiserve.common.digest.Sha256;
import java.nio.charset.StandardCharsets;

import io.pitiserve.common.events.TranslationParams;

import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * What makes two submissions "the same request": sha256 over the canonical JSON of the validated
 * parameters (defaults filled, members and map entries sorted) and the input's sha256. The status
 * view computes it from a TranslationRequested with this same function, so an Idempotency-Key
 * retry is compared with what was published, not with a copy held in memory.
 */
public final class Fingerprints {

    private static final JsonMapper CANONICAL = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private Fingerprints() {
    }

    public static String of(TranslationParams params, String inputSha256) {
        byte[] canonical = CANONICAL.writeValueAsBytes(params);
        byte[] suffix = ("\n" + inputSha256).getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[canonical.length + suffix.length];
        System.arraycopy(canonical, 0, all, 0, canonical.length);
        System.arraycopy(suffix, 0, all, canonical.length, suffix.length);
        return Sha256.hex(all);
    }
}
