<?php
/**
 * Installer override for the PHP 8.3 WebAssembly playground (copied by
 * scripts/mediawiki/build-bundle.sh into mw-config/overrides/, the override
 * point described in mw-config/overrides/README).
 *
 * php-wasm's SQLite has FTS5 but not FTS3. SqliteInstaller::checkPrerequisites()
 * reports that as a WARNING ('config-no-fts3'; search then uses the no-FTS
 * fallback), but the stock CliInstaller fails the environment check on any
 * non-good status of the chosen DB type, and install.php refuses to write
 * LocalSettings.php when execute() returns warnings. Here warnings are shown
 * and stay warnings; errors are still fatal.
 */

$overrides['CliInstaller'] = PlaygroundCliInstaller::class;

class PlaygroundCliInstaller extends CliInstaller {
	protected function envCheckDB() {
		$dbType = $this->getVar( 'wgDBtype' );
		$status = $this->getDBInstaller( $dbType )->checkPrerequisites();
		$this->showStatusMessage( $status );
		return $status->isOK();
	}

	public function execute() {
		$status = parent::execute();
		if ( $status->isOK() && !$status->isGood() ) {
			$this->showStatusMessage( $status );
			return Status::newGood();
		}
		return $status;
	}
}
