//! BPMN texts written inline for tests of more than one test binary.

use valueflow::interop::bpmn_import::BPMN_NS;

/// Two tasks joined through a data store reference whose `dataStoreRef` names `store_ref`,
/// which is not in the file: as Bizagi writes them (the dataStore itself never is).
pub fn data_store_ref_not_in_the_file(store_ref: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="{BPMN_NS}" id="d">
  <process id="p">
    <task id="a" name="Write the order"><dataOutputAssociation id="o"><targetRef>ds</targetRef></dataOutputAssociation></task>
    <task id="b" name="Read the order"><dataInputAssociation id="i"><sourceRef>ds</sourceRef></dataInputAssociation></task>
    <dataStoreReference id="ds" name="Orders" dataStoreRef="{store_ref}"/>
    <sequenceFlow id="f" sourceRef="a" targetRef="b"/>
  </process>
</definitions>"#
    )
}
