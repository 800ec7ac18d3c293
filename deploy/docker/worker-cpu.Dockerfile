# syntax=docker/dockerfile:1.7
# piti-serve worker on CPU: the libtorch 2.7.1 CPU build that the worker jar carries (from Maven
# Central), unpacked once at image build so that a container starts without unpacking 430 MB.
#
#   docker build -f deploy/docker/worker-cpu.Dockerfile -t pitiserve/worker:dev-cpu .
#
# Models are not in the image beyond the bundled tiny test model: mount a directory
# (PITISERVE_WORKER_MODEL_DIR) or pull one from S3 at start (PITISERVE_WORKER_MODEL_SOURCE).

ARG MAVEN_IMAGE=maven:3.9.9-eclipse-temurin-17
ARG JRE_IMAGE=eclipse-temurin:17.0.15_6-jre-jammy

FROM ${MAVEN_IMAGE} AS build
WORKDIR /src
COPY pom.xml ./
COPY client/pom.xml client/
COPY test-support/pom.xml test-support/
COPY common/pom.xml common/
COPY gateway/pom.xml gateway/
COPY worker/pom.xml worker/
COPY standalone/pom.xml standalone/
COPY client/src client/src
COPY test-support/src test-support/src
COPY common/src common/src
COPY worker/src worker/src
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -pl worker -am package -DskipTests

FROM ${JRE_IMAGE} AS layers
WORKDIR /layers
COPY --from=build /src/worker/target/pitiserve-worker.jar app.jar
RUN java -Djarmode=tools -jar app.jar extract --layers --launcher --destination extracted

FROM ${JRE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 pitiserve \
 && useradd --system --uid 10001 --gid pitiserve --home-dir /app --shell /usr/sbin/nologin pitiserve \
 && mkdir -p /app /var/cache/pitiserve/djl /var/cache/pitiserve/models \
 && chown -R pitiserve:pitiserve /var/cache/pitiserve
WORKDIR /app
COPY --from=layers /layers/extracted/dependencies/ ./
COPY --from=layers /layers/extracted/spring-boot-loader/ ./
COPY --from=layers /layers/extracted/snapshot-dependencies/ ./
COPY --from=layers /layers/extracted/application/ ./
USER 10001:10001
# MALLOC_ARENA_MAX=1: one malloc heap for every thread. With a heap per thread, a decoder call whose
# tensors pass 64 MB (a sub-heap's size) had them mapped and faulted in afresh on every call: the
# tiny model's 8-sample jobs ran 5x slower (docs/ENGINE.md, Memory).
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError" \
    DJL_OFFLINE=true \
    TORCH_CPP_LOG_LEVEL=ERROR \
    MALLOC_ARENA_MAX=1 \
    DJL_CACHE_DIR=/var/cache/pitiserve/djl \
    PITISERVE_WORKER_DEVICE=cpu \
    PITISERVE_CACHE_DIR=/var/cache/pitiserve \
    PITISERVE_WORKER_MODEL_CACHE_DIR=/var/cache/pitiserve/models
# One real translation with the bundled model at build time: unpacks libtorch into DJL_CACHE_DIR
# and proves that the engine loads in this image.
RUN java org.springframework.boot.loader.launch.JarLauncher translate --base-steps 2 --sr-steps 2 \
      --threads 1 --quiet --out /tmp/pitiserve-smoke \
 && rm -rf /tmp/pitiserve-smoke
# Management port of `serve` (health probes, Prometheus metrics).
EXPOSE 8081
HEALTHCHECK --interval=15s --timeout=3s --start-period=120s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8081/actuator/health/liveness || exit 1
# exec form: the JVM is PID 1, so SIGTERM reaches it and the worker drains before it exits.
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher", "serve"]
