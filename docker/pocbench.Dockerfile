# The load-generator image for the Kubernetes Jobs (k8s/jobs/): pocbench built from this
# repository on Debian bookworm's own libraries, run as a non-root user with /bin/sh (the Jobs'
# command is a short sh script that prints the results between markers).
# Build from the repository root: docker build -f docker/pocbench.Dockerfile -t poc-pocbench:latest .
FROM debian:bookworm-20250929-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev make \
      libhttp-parser-dev libyajl-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY mk ./mk
COPY src ./src
RUN make build/pocbench

FROM debian:bookworm-20250929-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libhttp-parser2.9 libyajl2 libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin pocbench
COPY --from=build /src/build/pocbench /usr/local/bin/pocbench
COPY profiles /profiles
USER 10001:10001
WORKDIR /tmp
ENTRYPOINT []
CMD ["pocbench", "--help"]
