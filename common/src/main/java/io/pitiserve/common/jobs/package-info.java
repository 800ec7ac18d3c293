/**
 * Job states and the one table of legal transitions between them. Every component that derives a
 * job's state from events (the gateway's status view, webhook dispatch, the worker) applies them
 * through {@link io.pitiserve.common.jobs.JobTransitions#next}, so a redelivered or late event is
 * a no-op everywhere in the same way.
 */
package io.pitiserve.common.jobs;
