# The service on the current LTS, Node 26 (it also runs on Node 20 and later). Build: docker build -t mwp .   Run: see docker-compose.yml
FROM node:26-slim
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY board ./board
RUN npm ci --no-audit --no-fund && npm prune --omit=dev
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
EXPOSE 8080
USER node
CMD ["node", "--max-semi-space-size=64", "dist/src/server.js"]
