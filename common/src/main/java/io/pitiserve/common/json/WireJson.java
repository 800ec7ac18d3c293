package io.pitiserve.common.json;

import com.fasterxml.jackson.annotation.JsonInclude;
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
}
