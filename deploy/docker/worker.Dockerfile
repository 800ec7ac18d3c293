# syntax=docker/dockerfile:1.7
# piti-serve worker for NVIDIA GPUs: CUDA 12.8 runtime base, libtorch 2.7.1+cu128 brought in at build time.
#
#   docker build -f deploy/docker/worker.Dockerfile \
#     --build-arg LIBTORCH_SHA256=<sha256 of the zip you checked> -t pitiserve/worker:dev-cu128 .
#
# Maven Central has no CUDA build of libtorch 2.7.1 for DJL 0.36, and a worker must never download
# native code at run time, so the image carries libtorch itself and DJL runs offline:
# PYTORCH_LIBRARY_PATH points DJL at it, PYTORCH_VERSION and PYTORCH_FLAVOR pick the matching JNI
# library (the cu128 one ships inside the pytorch-jni jar of the worker).
# Models are not in the image: mount a directory (PITISERVE_WORKER_MODEL_DIR) or pull them from S3
# at start (PITISERVE_WORKER_MODEL_SOURCE=s3://bucket/prefix/, cached under the model cache dir).

ARG MAVEN_IMAGE=maven:3.9.9-eclipse-temurin-17
ARG JRE_IMAGE=eclipse-temurin:17.0.15_6-jre-jammy
# The CUDA 12.8 runtime libraries; libtorch's own copies (shared-with-deps) take precedence through its
# RPATH, the image's cover anything the zip leaves out. The host needs an NVIDIA driver for CUDA 12.8.
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-runtime-ubuntu22.04

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

FROM ${JRE_IMAGE} AS jre

FROM ${CUDA_IMAGE} AS libtorch
# The zip PyTorch publishes for C++ (shared libraries with their CUDA dependencies). Its checksum
# is required: pin the one you verified, so that a changed upstream file fails the build.
ARG LIBTORCH_URL=https://download.pytorch.org/libtorch/cu128/libtorch-cxx11-abi-shared-with-deps-2.7.1%2Bcu128.zip
ARG LIBTORCH_SHA256=
RUN test -n "${LIBTORCH_SHA256}" \
      || { echo "pass --build-arg LIBTORCH_SHA256=<sha256 of ${LIBTORCH_URL}>" >&2; exit 1; } \
 && apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl unzip \
 && curl -fsSL --retry 3 -o /tmp/libtorch.zip "${LIBTORCH_URL}" \
 && echo "${LIBTORCH_SHA256}  /tmp/libtorch.zip" | sha256sum -c - \
 && unzip -q /tmp/libtorch.zip -d /opt \
 && rm -rf /tmp/libtorch.zip /opt/libtorch/include /opt/libtorch/share /opt/libtorch/bin \
 && test -f /opt/libtorch/lib/libtorch_cuda.so

FROM ${CUDA_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl libgomp1 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 pitiserve \
 && useradd --system --uid 10001 --gid pitiserve --home-dir /app --shell /usr/sbin/nologin pitiserve \
 && mkdir -p /app /var/cache/pitiserve/djl /var/cache/pitiserve/models \
 && chown -R pitiserve:pitiserve /var/cache/pitiserve
COPY --from=jre /opt/java/openjdk /opt/java/openjdk
COPY --from=libtorch /opt/libtorch/lib /opt/libtorch/lib
WORKDIR /app
COPY --from=layers /layers/extracted/dependencies/ ./
COPY --from=layers /layers/extracted/spring-boot-loader/ ./
COPY --from=layers /layers/extracted/snapshot-dependencies/ ./
COPY --from=layers /layers/extracted/application/ ./
USER 10001:10001
ENV JAVA_HOME=/opt/java/openjdk \
    PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError" \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    PYTORCH_LIBRARY_PATH=/opt/libtorch/lib \
    PYTORCH_VERSION=2.7.1 \
    PYTORCH_FLAVOR=cu128 \
    DJL_OFFLINE=true \
    TORCH_CPP_LOG_LEVEL=ERROR \
    DJL_CACHE_DIR=/var/cache/pitiserve/djl \
    PITISERVE_WORKER_DEVICE=gpu \
    PITISERVE_CACHE_DIR=/var/cache/pitiserve \
    PITISERVE_WORKER_MODEL_CACHE_DIR=/var/cache/pitiserve/models
# Management port of `serve` (health probes, Prometheus metrics).
EXPOSE 8081
HEALTHCHECK --interval=15s --timeout=3s --start-period=180s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8081/actuator/health/liveness || exit 1
# exec form: the JVM is PID 1, so SIGTERM reaches it and the worker drains before it exits.
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher", "serve"]
