# Huiyan appliance image: Debian 12 with Node 24 (LTS), ffmpeg from Debian, models mounted read-only.
FROM node:24-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg redis-server ca-certificates fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/huiyan
# tsx is a runtime dependency: the service runs its TypeScript sources directly. fonts-noto-cjk
# draws the Chinese in annotated evidence and watermarks. The variable skips onnxruntime-node's
# CUDA download for npm versions that do not read package.json's allowScripts.
ENV ONNXRUNTIME_NODE_INSTALL=skip NODE_ENV=production HUIYAN_MODELS_DIR=/models
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# State (PGlite, evidence, spools, keys) lives under var/: keep it on a volume.
RUN mkdir -p /var/lib/huiyan && ln -s /var/lib/huiyan /opt/huiyan/var
# Model weights are not baked in: mount them at /models (see models/manifest.json).
VOLUME ["/models", "/var/lib/huiyan"]
EXPOSE 8080 5060/udp 5060/tcp
ENV HUIYAN_API_HOST=0.0.0.0
CMD ["node", "--import", "tsx", "src/cli/main.ts", "serve"]
