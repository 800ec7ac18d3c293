package io.pitiserve.worker.runtime;

import io.pitiserve.worker.engine.Precision;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the worker's networks run ({@code pitiserve.worker.engine.*}).
 *
 * @param precision fp32, bf16 or fp16 (fp16 needs a GPU; bf16 and fp16 need the model's networks in
 *                  that precision, docs/ENGINE.md)
 */
@ConfigurationProperties("pitiserve.worker.engine")
public record EngineProperties(@DefaultValue("fp32") String precision) {

    public EngineProperties {
        Precision.of(precision);
    }

    Precision toPrecision() {
        return Precision.of(precision);
    }
}
