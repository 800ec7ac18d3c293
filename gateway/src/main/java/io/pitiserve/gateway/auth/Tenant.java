package io.pitiserve.gateway.auth;

/** The authenticated caller of a request; every job belongs to exactly one tenant. */
public record Tenant(String name) {
}
