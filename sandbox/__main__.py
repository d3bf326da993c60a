"""``python -m sandbox``: serve every sandbox platform in the foreground until Ctrl-C or SIGTERM.

Port: ``--port`` or ``$SANDBOX_PORT`` (default 8025); WeChat app credentials: ``$WECHAT_APP_ID`` and
``$WECHAT_APP_SECRET`` (defaults match the product's development settings). WeChat Pay: ``$WECHATPAY_MCH_ID``,
``$WECHATPAY_API_V3_KEY``, ``$WECHATPAY_CERT_SERIAL``, ``$WECHATPAY_PUBLIC_KEY_ID`` and the key files in
``--wechatpay-keys DIR`` or ``$SANDBOX_WECHATPAY_KEYS_DIR`` (default ``sandbox/keys``); an unset or empty
variable means the sandbox value (``sandbox.wechatpay.DEFAULT_*``). The Official Account: ``$WECHAT_OA_APP_ID``,
``$WECHAT_OA_APP_SECRET``, ``$WECHAT_OA_TOKEN``, ``$WECHAT_OA_AES_KEY`` (defaults ``sandbox.wechat_oa.DEFAULT_OA_*``)
and ``$SANDBOX_WECHAT_OA_CALLBACK_URL``, where its events are posted (empty: none are sent).
"""

from __future__ import annotations

import argparse
import os
import signal

from sandbox.demo import seed_demo
from sandbox.server import SandboxServer
from sandbox.wechat import DEFAULT_APP_ID, DEFAULT_APP_SECRET
from sandbox.wechat_oa import DEFAULT_OA_AES_KEY, DEFAULT_OA_APP_ID, DEFAULT_OA_APP_SECRET, DEFAULT_OA_TOKEN
from sandbox.wechatpay import (
    DEFAULT_API_V3_KEY,
    DEFAULT_MCH_ID,
    DEFAULT_MERCHANT_SERIAL,
    DEFAULT_PUBLIC_KEY_ID,
    KEYS_DIR,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Scholar Link platform sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("SANDBOX_PORT", "8025")))
    parser.add_argument("--smtp-port", type=int, default=int(os.environ.get("SANDBOX_SMTP_PORT", "8125")),
                        help="SMTP port of the mail catcher (default $SANDBOX_SMTP_PORT or 8125)")
    parser.add_argument("--quiet", action="store_true", help="do not log one line per request")
    parser.add_argument("--demo", action="store_true", help="load demo journals, authors and manuscripts")
    parser.add_argument("--wechatpay-keys", default=os.environ.get("SANDBOX_WECHATPAY_KEYS_DIR") or str(KEYS_DIR),
                        help="WeChat Pay's key files (default $SANDBOX_WECHATPAY_KEYS_DIR or sandbox/keys)")
    args = parser.parse_args(argv)

    server = SandboxServer(
        args.host,
        args.port,
        wechat_app_id=os.environ.get("WECHAT_APP_ID", DEFAULT_APP_ID),
        wechat_app_secret=os.environ.get("WECHAT_APP_SECRET", DEFAULT_APP_SECRET),
        quiet=args.quiet,
        smtp_port=args.smtp_port,
        wechatpay_mch_id=os.environ.get("WECHATPAY_MCH_ID") or DEFAULT_MCH_ID,
        wechatpay_api_v3_key=os.environ.get("WECHATPAY_API_V3_KEY") or DEFAULT_API_V3_KEY,
        wechatpay_merchant_serial=os.environ.get("WECHATPAY_CERT_SERIAL") or DEFAULT_MERCHANT_SERIAL,
        wechatpay_public_key_id=os.environ.get("WECHATPAY_PUBLIC_KEY_ID") or DEFAULT_PUBLIC_KEY_ID,
        wechatpay_keys_dir=args.wechatpay_keys,
        wechat_oa_app_id=os.environ.get("WECHAT_OA_APP_ID") or DEFAULT_OA_APP_ID,
        wechat_oa_app_secret=os.environ.get("WECHAT_OA_APP_SECRET") or DEFAULT_OA_APP_SECRET,
        wechat_oa_token=os.environ.get("WECHAT_OA_TOKEN") or DEFAULT_OA_TOKEN,
        wechat_oa_aes_key=os.environ.get("WECHAT_OA_AES_KEY") or DEFAULT_OA_AES_KEY,
        wechat_oa_callback_url=os.environ.get("SANDBOX_WECHAT_OA_CALLBACK_URL", ""),
    )
    if args.demo:
        seed_demo(server)
    # SIGTERM (docker stop, honcho, subprocess.terminate) ends the server the same way Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    print(f"Scholar Link sandbox serving on {server.base_url} (mail catcher: SMTP port {server.smtp_port}, "
          f"messages at {server.base_url}/__sandbox__/mail)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
