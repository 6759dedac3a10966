// 12345 热线工作台: the little script the 导入 page needs (upload, column preview, progress).
// Every value from a file or the server is put into the page as text, never as HTML.
(function () {
  "use strict";

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function table(headers, rows) {
    var t = el("table", null, "grid");
    var tr = el("tr");
    headers.forEach(function (h) { tr.appendChild(el("th", h)); });
    t.appendChild(tr);
    rows.forEach(function (r) {
      var row = el("tr");
      r.forEach(function (c) { row.appendChild(el("td", c)); });
      t.appendChild(row);
    });
    return t;
  }

  // The first line of a csv/tsv file, decoded as UTF-8, else GBK.
  function headerLine(file) {
    return file.slice(0, 65536).arrayBuffer().then(function (buf) {
      var first = function (enc) {
        return new TextDecoder(enc).decode(buf).replace(/^\uFEFF/, "").split(/\r?\n/)[0] || "";
      };
      var line = first("utf-8");
      if (line.indexOf("\uFFFD") >= 0) {
        try { line = first("gbk"); } catch (e) { /* keep utf-8 */ }
      }
      var sep = file.name.toLowerCase().endsWith(".tsv") || line.indexOf("\t") >= 0 ? "\t" : ",";
      return line.split(sep).map(function (h) { return h.replace(/^"|"$/g, "").trim(); });
    });
  }

  function previewMapping(files) {
    var box = document.getElementById("mapping");
    var body = document.getElementById("mapping-body");
    body.textContent = "";
    var shown = false;
    Array.prototype.forEach.call(files, function (f) {
      var lower = f.name.toLowerCase();
      if (!(lower.endsWith(".csv") || lower.endsWith(".tsv"))) {
        body.appendChild(el("p", f.name + "：" + (lower.endsWith(".xlsx") ? "表格文件的列对应在导入后列于结果中" : "按文档读取，无列对应")));
        shown = true;
        box.hidden = false;
        return;
      }
      headerLine(f).then(function (headers) {
        return fetch("/api/mapping", {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ headers: headers })
        }).then(function (r) { return r.json(); });
      }).then(function (m) {
        if (!m.columns) return;
        body.appendChild(el("p", f.name));
        body.appendChild(table(["表头", "读作"], m.columns.map(function (c) {
          return [c.header, c.field ? (c.label || c.field) + "（" + c.field + "）" : "（不读取）"];
        })));
        box.hidden = false;
      });
    });
    if (!shown && files.length === 0) box.hidden = true;
  }

  function showSummary(s) {
    var box = document.getElementById("summary");
    box.textContent = "";
    box.appendChild(el("p", "读取 " + s.read + " 行，新增 " + s.added + " 件，更新 " + s.updated +
      " 件，未变 " + s.unchanged + " 件，拒收 " + s.rejected + " 行；库中现有 " + s.stored + " 件。", "done-counts"));
    box.appendChild(table(["文件", "读取", "新增", "更新", "未变", "拒收", "说明"], s.files.map(function (f) {
      return [f.file, f.read, f.added, f.updated, f.unchanged, f.rejected,
        [f.error || ""].concat(f.warnings || []).filter(Boolean).join("；")];
    })));
    if (s.rejects && s.rejects.length) {
      box.appendChild(el("h3", "拒收的行（前 200 行）"));
      box.appendChild(table(["文件", "行", "字段", "原因"], s.rejects.slice(0, 200).map(function (r) {
        return [r.file, r.row, r.field, r.reason];
      })));
    }
  }

  function poll(id) {
    fetch("/api/jobs/" + encodeURIComponent(id)).then(function (r) { return r.json(); }).then(function (j) {
      var p = j.progress || {};
      var pct = j.state === "done" ? 100 : (p.total_cases ? Math.floor(100 * p.cases_done / p.total_cases) : 0);
      document.getElementById("bar").value = pct;
      document.getElementById("bar-text").textContent = pct + "%（" + (p.cases_done || 0) + " / " + (p.total_cases || "?") + " 件）";
      var st = document.getElementById("job-state");
      st.textContent = { running: "进行中", done: "已完成", failed: "失败" }[j.state] || j.state;
      st.setAttribute("data-state", j.state);
      if (j.state === "running") { setTimeout(function () { poll(id); }, 500); return; }
      document.getElementById("upload").disabled = false;
      if (j.state === "done" && j.summary) showSummary(j.summary);
      if (j.state === "failed") document.getElementById("summary").appendChild(el("p", j.error, "error"));
    });
  }

  function upload(ev) {
    ev.preventDefault();
    var input = document.getElementById("file");
    if (!input.files.length) { alert("请先选择文件"); return; }
    var data = new FormData();
    Array.prototype.forEach.call(input.files, function (f) { data.append("file", f, f.name); });
    document.getElementById("upload").disabled = true;
    document.getElementById("job").hidden = false;
    document.getElementById("summary").textContent = "";
    document.getElementById("job-state").textContent = "上传中";
    fetch("/api/ingest", { method: "POST", body: data }).then(function (r) {
      return r.json().then(function (b) { return { ok: r.ok, body: b }; });
    }).then(function (r) {
      if (!r.ok) {
        document.getElementById("upload").disabled = false;
        document.getElementById("job-state").textContent = "未开始";
        document.getElementById("summary").appendChild(el("p", r.body.error, "error"));
        return;
      }
      poll(r.body.job);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("ingest-form");
    if (form) {
      form.addEventListener("submit", upload);
      document.getElementById("file").addEventListener("change", function (e) { previewMapping(e.target.files); });
    }
  });
})();
