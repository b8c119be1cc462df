<?php
// Playground (resilient-php-worker), Moodle bundle: run before every script by
// php-wasm (/internal/shared/preload/).
//
// PHP 8.3 wasm has no sodium extension, and Moodle 4.5's \core\encryption (the
// "remember username" cookie at every login, encrypted admin settings) calls
// sodium's secret-box functions. These stand-ins keep the same contract —
// authenticated encryption with a 32-byte key and a 24-byte random nonce,
// ciphertext = 16-byte tag + data, open() returns false on any tampering — built
// on OpenSSL's AES-256-GCM: a per-nonce subkey (HKDF-SHA256 of the key with the
// nonce's first 12 bytes) and the last 12 bytes as the GCM IV. The bytes are NOT
// sodium's: what this playground encrypts only this playground decrypts. Only the
// secret-box subset Moodle's encryption uses is defined, and only without sodium.
// (Inside the if: PHP declares a file's top-level functions before it runs any of it.)
if (!extension_loaded('sodium')) {
    define('SODIUM_CRYPTO_SECRETBOX_KEYBYTES', 32);
    define('SODIUM_CRYPTO_SECRETBOX_NONCEBYTES', 24);
    define('SODIUM_CRYPTO_SECRETBOX_MACBYTES', 16);

    function moodle_playground_secretbox_parts(string $nonce, string $key): array {
        if (strlen($key) !== SODIUM_CRYPTO_SECRETBOX_KEYBYTES) {
            throw new ValueError('the secret-box key must be SODIUM_CRYPTO_SECRETBOX_KEYBYTES bytes long');
        }
        if (strlen($nonce) !== SODIUM_CRYPTO_SECRETBOX_NONCEBYTES) {
            throw new ValueError('the secret-box nonce must be SODIUM_CRYPTO_SECRETBOX_NONCEBYTES bytes long');
        }
        $subkey = hash_hkdf('sha256', $key, 32, 'moodle-playground secretbox', substr($nonce, 0, 12));
        return [$subkey, substr($nonce, 12, 12)];
    }

    function sodium_crypto_secretbox_keygen(): string {
        return random_bytes(SODIUM_CRYPTO_SECRETBOX_KEYBYTES);
    }

    function sodium_crypto_secretbox(string $message, string $nonce, string $key): string {
        [$subkey, $iv] = moodle_playground_secretbox_parts($nonce, $key);
        $tag = '';
        $ciphertext = openssl_encrypt($message, 'aes-256-gcm', $subkey, OPENSSL_RAW_DATA, $iv, $tag, '', SODIUM_CRYPTO_SECRETBOX_MACBYTES);
        if ($ciphertext === false) {
            throw new RuntimeException('secret-box encryption failed: ' . (openssl_error_string() ?: 'OpenSSL error'));
        }
        return $tag . $ciphertext;
    }

    function sodium_crypto_secretbox_open(string $ciphertext, string $nonce, string $key): string|false {
        [$subkey, $iv] = moodle_playground_secretbox_parts($nonce, $key);
        if (strlen($ciphertext) < SODIUM_CRYPTO_SECRETBOX_MACBYTES) {
            return false;
        }
        $tag = substr($ciphertext, 0, SODIUM_CRYPTO_SECRETBOX_MACBYTES);
        $data = substr($ciphertext, SODIUM_CRYPTO_SECRETBOX_MACBYTES);
        return openssl_decrypt($data, 'aes-256-gcm', $subkey, OPENSSL_RAW_DATA, $iv, $tag);
    }
}
