/**
 * The infrastructure a single piti-serve process embeds: a KRaft Kafka broker and an S3 server;
 * {@link io.pitiserve.standalone.infra.InfraProcess} runs either as a process of its own.
 */
package io.pitiserve.standalone.infra;
