package io.pitiserve.gateway.api;

import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

import io.pitiserve.common.image.InputKind;
import io.pitiserve.gateway.config.GatewayProperties;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /v1/models}: the tasks and the model versions clients may ask for. */
@RestController
@Tag(name = "models")
public class ModelsController {

    /** The answer: every task, and the configured models. */
    public record Models(List<String> tasks, List<Model> models) {
    }

    /** A model a request may name in {@code params.model} (by name or by version). */
    public record Model(String task, String name, String version, @JsonProperty("default") boolean defaultModel) {
    }

    private final Models models;

    public ModelsController(GatewayProperties properties) {
        this.models = new Models(Arrays.stream(InputKind.values()).map(InputKind::wireName).toList(),
                properties.models().stream()
                        .map(m -> new Model(m.task(), m.name(), m.version(), m.defaultModel()))
                        .toList());
    }

    @Operation(summary = "List the tasks and model versions available")
    @GetMapping(path = "/v1/models", produces = MediaType.APPLICATION_JSON_VALUE)
    public Models models() {
        return models;
    }
}
