# The image 'tuner k8s run' and 'tuner k8s manifest' name with --image: tuner as the entrypoint, nothing else.
#   docker build -t registry.example.com/tuner:1 . && docker push registry.example.com/tuner:1
# Built in the official Swift image, run in its slim counterpart (the Swift runtime libraries, no toolchain).
FROM swift:6.3-noble AS build
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN apt-get update -q && apt-get install -y -q zlib1g-dev && rm -rf /var/lib/apt/lists/* \
 && swift build -c release --product tuner --static-swift-stdlib \
 && cp "$(swift build -c release --show-bin-path)/tuner" /usr/local/bin/tuner

FROM ubuntu:noble
RUN apt-get update -q && apt-get install -y -q ca-certificates zlib1g && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/tuner /usr/local/bin/tuner
# Shards run as a non-root user; the start barrier listens on 6565 (see docs/distributed.md).
USER 65532:65532
EXPOSE 6565
ENTRYPOINT ["tuner"]
