package io.pitiserve.gateway.evaluation;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Limits of evaluation jobs, prefix {@code pitiserve.gateway.evaluations}. Each translation of an
 * evaluation is held to the tenant's {@code max-job-cost} like any translation; this caps how many
 * one evaluation runs.
 *
 * @param maxTranslations the most translations (dataset images x settings) one evaluation may run
 */
@ConfigurationProperties("pitiserve.gateway.evaluations")
public record EvaluationProperties(@DefaultValue("64") int maxTranslations) {

    public EvaluationProperties {
        if (maxTranslations < 1) {
            throw new IllegalArgumentException("pitiserve.gateway.evaluations.max-translations must be at least 1,"
                    + " was " + maxTranslations);
        }
    }
}
