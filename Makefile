# Scholar Link: the two commands a newcomer needs.
#   make run   - embedded stack (SQLite, filesystem broker, WeChat sandbox) on http://127.0.0.1:8000
#   make test  - the whole suite against PostgreSQL and Redis (DATABASE_URL / REDIS_URL)

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
MP := miniprogram
# pytest processes for make test (pytest-xdist; each has its own test database, cache keys and broker keys).
# Two take the pytest part from 11 to about 6 minutes on a two-core machine; a module's tests stay together
# (--dist loadfile).
PYTEST_PROCESSES ?= 2

# make run: everything embedded, nothing to configure.
RUN_ENV := DJANGO_DEBUG=1 DATABASE_URL= REDIS_URL= CELERY_BROKER_URL= PLATFORM_ALLOW_PRIVATE_URLS=true \
	EMAIL_URL=smtp://127.0.0.1:$${SANDBOX_SMTP_PORT:-8125} \
	WECHAT_API_BASE=http://127.0.0.1:$${SANDBOX_PORT:-8025} SANDBOX_URL=http://127.0.0.1:$${SANDBOX_PORT:-8025} \
	PUBLIC_BASE_URL=http://127.0.0.1:$${PORT:-8000} ORCID_BASE_URL=http://127.0.0.1:$${SANDBOX_PORT:-8025}/orcid \
	ORCID_CLIENT_ID=APP-SANDBOXSCHOLAR01 ORCID_CLIENT_SECRET=5a4db0c5-0000-4000-8000-5c401a771171 \
	WECHATPAY_API_BASE=http://127.0.0.1:$${SANDBOX_PORT:-8025} WECHATPAY_MCH_ID=1900000109 \
	WECHATPAY_API_V3_KEY=SandboxApiV3Key00000000000000000 WECHATPAY_CERT_SERIAL=5A5D0000000000000000000000000000000000A1 \
	WECHATPAY_PRIVATE_KEY_PATH=sandbox/keys/merchant_private_key.pem WECHATPAY_PUBLIC_KEY_ID=PUB_KEY_ID_0000SANDBOX \
	WECHATPAY_PUBLIC_KEY_PATH=sandbox/keys/wechatpay_public_key.pem \
	WECHAT_OA_APP_ID=wxsandboxoa000000001 WECHAT_OA_APP_SECRET=sandbox-oa-secret WECHAT_OA_TOKEN=sandbox-oa-token \
	WECHAT_OA_AES_KEY=SandboxOfficialAccountEncodingAesKey0000000 \
	SANDBOX_WECHAT_OA_CALLBACK_URL=http://127.0.0.1:$${PORT:-8000}/wechat/oa/callback \
	PUBLISHER_LEGAL_NAME="演示出版社有限公司 Demo Press Ltd." PUBLISHER_TAX_ID=91350100M000100Y43 \
	PAYMENTS_BANK_ACCOUNT_NAME="演示出版社有限公司" PAYMENTS_BANK_NAME="示例银行北京分行" \
	PAYMENTS_BANK_ACCOUNT_NUMBER=6222000000000000000 \
	PATH="$(CURDIR)/$(BIN):$$PATH"

.PHONY: run test test-miniprogram lint install messages lock clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found); set PYTHON=..."; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP)

run: $(STAMP)
	@env $(RUN_ENV) sh -c '\
	  python manage.py migrate --noinput && \
	  python manage.py createcachetable && \
	  python manage.py load_demo_data && \
	  python manage.py journals_import deploy/journals.sandbox.yaml && \
	  honcho -f Procfile.dev start -p $${PORT:-8000}'

# The Mini Program's checks first: pytest includes its end-to-end test, which needs the Node packages.
test: $(STAMP) $(MP)/node_modules/.package-lock.json
	cd $(MP) && npm run lint && npm test
	$(BIN)/python -m pytest -n $(PYTEST_PROCESSES) --dist loadfile

$(MP)/node_modules/.package-lock.json: $(MP)/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js 20 and npm are needed for the Mini Program tests."; exit 2; }
	cd $(MP) && npm ci --no-audit --no-fund

test-miniprogram: $(MP)/node_modules/.package-lock.json
	cd $(MP) && npm run lint && npm test

lint: $(STAMP)
	$(BIN)/ruff check .

# DEBUG on: settings need no production secrets to run these commands.
messages: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore='.venv/*' --ignore='miniprogram/*' --ignore='sandbox/*'
	DJANGO_DEBUG=1 $(BIN)/python manage.py compilemessages --ignore='.venv/*'

# requirements.lock: exact versions and hashes of pyproject's dependencies, which the Dockerfile installs.
# Run after changing pyproject.toml's dependencies (it also takes the newest versions they allow).
LOCK_VENV := var/pip-tools
lock:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet 'pip-tools>=7.4,<8'
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet --upgrade --generate-hashes \
	  --allow-unsafe --strip-extras --build-deps-for editable --no-emit-index-url --no-emit-find-links \
	  --no-emit-trusted-host -o requirements.lock pyproject.toml

clean:
	rm -rf var
