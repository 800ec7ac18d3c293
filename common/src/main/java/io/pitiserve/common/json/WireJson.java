package io.pitiserve.common.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON of piti-serve's events and stored views: snake_case names, no null members, ISO-8601
 * instants, and members a reader does not know are skipped (fields are only ever added).
 */
public final class WireJson {

    /** The mapper itself; immutable and shared. */
    public static final JsonMapper MAPPER = builder().build();

    private WireJson() {
    }

    /** The settings above, for a mapper that adds stricter ones of its own. */
    public static JsonMapper.Builder builder() {
        return JsonMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .changeDefaultPropertyInclusion(incl -> incl.withValueInclusion(JsonInclude.Include.NON_NULL))
                .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /**
     * {@code value} as JSON with {@link #MAPPER}.
     *
     * @throws IllegalArgumentException when it cannot be written
     */
    public static byte[] write(Object value) {
        return write(MAPPER, value);
    }

    /**
     * {@code value} as JSON with {@code mapper} (one built from {@link #builder()}).
     *
     * @throws IllegalArgumentException when it cannot be written
     */
    public static byte[] write(JsonMapper mapper, Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getSimpleName() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads {@code json} as a {@code type} with {@link #MAPPER}.
     *
     * @throws IllegalArgumentException when it is not JSON of that type, empty or {@code null}
     */
    public static <T> T read(byte[] json, Class<T> type) {
        return read(MAPPER, json, type);
    }

    /**
     * Reads {@code json} as a {@code type} with {@code mapper} (one built from {@link #builder()}).
     *
     * @throws IllegalArgumentException when it is not JSON of that type, empty or {@code null}
     */
    public static <T> T read(JsonMapper mapper, byte[] json, Class<T> type) {
        if (json == null || json.length == 0) {
            throw new IllegalArgumentException("empty value for " + type.getSimpleName());
        }
        try {
            T value = mapper.readValue(json, type);
            if (value == null) {
                throw new IllegalArgumentException("null value for " + type.getSimpleName());
            }
            return value;
        } catch (JacksonException e) {
            throw new IllegalArgumentException("malformed JSON for " + type.getSimpleName() + ": "
                    + e.getOriginalMessage(), e);
        }
    }
}
